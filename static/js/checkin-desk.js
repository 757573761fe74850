// The check-in desk: scan tickets with the camera or a handheld (keyboard-wedge)
// scanner, or find a delegate by search, and check them in or out through the
// check-in API (events/api_checkin.py).
//
// Offline: the page keeps the event's attendee list in localStorage (names,
// organisations, SHA-256 hashes of the ticket secrets, never the secrets). When
// a request fails for want of a connection, the desk decides from that list,
// says so on screen ("Offline – will sync") and queues the scan with its nonce.
// The queue is sent in order when the connection returns; the server treats a
// nonce it has seen as the same scan, so a scan that did reach it before the
// connection dropped is not counted twice. Where the server's answer differs
// from what the door was shown, the scan is listed as a conflict for staff.
//
// There is no service worker: the desk is one page that never navigates, so
// the open page, with its list and queue in localStorage, is enough to go on
// scanning through a dropped connection; queued scans survive a reload.

import { cameraAvailable, loadQrDetector, openRearCamera } from './qr-camera.js'

const UNDO_SECONDS = 60
const REQUEST_TIMEOUT_MS = 8000
const SUMMARY_EVERY_MS = 10000
const LIST_EVERY_MS = 5 * 60 * 1000
const SCAN_EVERY_MS = 250
// After "Next", the same QR code still in front of the camera is not read again for this long.
const SAME_CODE_PAUSE_MS = 3000
const TIME_FORMAT = new Intl.DateTimeFormat('en-GB', {
  hour: '2-digit', minute: '2-digit', timeZone: 'Europe/London'
})

const REASONS = {
  cancelled: ['Place cancelled', 'This place has been cancelled. Do not let them in with this ticket.'],
  unpaid: ['Not paid', 'This place is waiting for a card payment that has not been made. Ask them to pay, or send them to the event organiser.'],
  wrong_event: ['Ticket for another event', 'This ticket is for a different event, not this one.'],
  transferred: ['Ticket passed on', 'This place was passed on to someone else, so this ticket no longer works.']
}

// The network is down, timed out, or answered with something that is not our API.
class NetworkError extends Error {}

const root = document.getElementById('checkin-desk')
if (root) new Desk(root).start()

function Desk (root) {
  const config = root.dataset
  const slug = config.eventSlug
  const el = (id) => document.getElementById(id)
  const ui = {
    status: el('desk-status'),
    connection: el('desk-connection'),
    queue: el('desk-queue'),
    countIn: el('count-in'),
    countExpected: el('count-expected'),
    cameraToggle: el('camera-toggle'),
    cameraMessage: el('camera-message'),
    camera: el('camera'),
    cameraHint: el('camera-hint'),
    video: el('camera-video'),
    codeForm: el('code-form'),
    codeGroup: el('code-group'),
    code: el('code'),
    codeError: el('code-error'),
    searchForm: el('search-form'),
    search: el('search'),
    searchStatus: el('search-status'),
    searchResults: el('search-results'),
    conflicts: el('conflicts'),
    conflictsHeading: el('conflicts-heading'),
    conflictsList: el('conflicts-list'),
    conflictsClear: el('conflicts-clear'),
    result: el('result'),
    resultIcon: el('result-icon'),
    resultHeading: el('result-heading'),
    resultDetail: el('result-detail'),
    resultName: el('result-name'),
    resultFacts: el('result-facts'),
    resultNeeds: el('result-needs'),
    resultNeedsText: el('result-needs-text'),
    resultOffline: el('result-offline'),
    resultNext: el('result-next'),
    resultBadge: el('result-badge'),
    resultUndo: el('result-undo'),
    announcer: el('announcer')
  }

  // --- Storage: everything is kept per event -------------------------------------------
  const key = (name) => `checkin:${slug}:${name}`
  const load = (name, fallback) => {
    try {
      const raw = window.localStorage.getItem(key(name))
      return raw === null ? fallback : JSON.parse(raw)
    } catch {
      return fallback
    }
  }
  const save = (name, value) => {
    try {
      window.localStorage.setItem(key(name), JSON.stringify(value))
    } catch {
      // Storage full or refused: the page keeps working from memory.
    }
  }

  // A door device's token arrives once in ?device=; keep it and take it out of
  // the address bar, so that it is not shared with a screenshot or a bookmark.
  const url = new URL(window.location.href)
  if (url.searchParams.has('device')) {
    if (url.searchParams.get('device')) save('device', url.searchParams.get('device'))
    url.searchParams.delete('device')
    window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash)
  }
  const deviceToken = config.deviceToken || ''
  if (deviceToken) save('device', deviceToken)

  const state = {
    online: true,
    authProblem: '',
    list: load('list', null), // {generated_at, places, retired_secrets}
    queue: load('queue', []), // [{secret|place, nonce, direction, at, shown, placeId, name}]
    conflicts: load('conflicts', []),
    // Scans sent from the queue: nonce -> check-in id, so an offline green can still be undone.
    synced: {},
    counts: null, // {in, expected}
    syncing: null,
    busy: false,
    current: null, // the result on screen
    undoTimer: null,
    returnFocus: null
  }
  let byHash = new Map()
  let byId = new Map()
  const indexList = () => {
    byHash = new Map()
    byId = new Map()
    for (const place of state.list?.places ?? []) {
      byHash.set(place.secret_sha256, place)
      byId.set(place.id, place)
    }
  }

  // --- Talking to the API --------------------------------------------------------------
  async function api (path, { method = 'GET', body } = {}) {
    const headers = { Accept: 'application/json' }
    if (body !== undefined) headers['Content-Type'] = 'application/json'
    if (deviceToken) headers.Authorization = `Device ${deviceToken}`
    else if (method !== 'GET') headers['X-CSRFToken'] = config.csrfToken
    let response
    try {
      response = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: deviceToken ? 'omit' : 'same-origin',
        cache: 'no-store',
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS)
      })
    } catch (error) {
      throw new NetworkError(error.message)
    }
    const type = response.headers.get('Content-Type') || ''
    // A server in trouble, or a wifi sign-in page, is as good as no connection.
    if (response.status >= 500 || !type.includes('json')) {
      throw new NetworkError(`HTTP ${response.status}`)
    }
    const data = await response.json().catch(() => null)
    if (data === null) throw new NetworkError('Not JSON')
    setOnline(true)
    if (response.status === 401 || response.status === 403) {
      setAuthProblem(deviceToken
        ? 'This device can no longer check people in: its link has been revoked. Ask the event organiser for a new one.'
        : 'You have been signed out, or cannot check people in. Sign in again in another tab, then carry on.')
    } else if (state.authProblem) {
      setAuthProblem('')
    }
    return { status: response.status, data }
  }

  const withId = (template, id) => template.replace(config.idSlot, String(id))

  // --- Connection banner ---------------------------------------------------------------
  function setOnline (online) {
    if (state.online === online) return
    state.online = online
    renderStatus()
    if (online) sync()
  }

  function setAuthProblem (message) {
    state.authProblem = message
    renderStatus()
  }

  function renderStatus () {
    const waiting = state.queue.length
    const offline = !state.online
    ui.status.classList.toggle('desk-status--offline', offline || Boolean(state.authProblem))
    if (state.authProblem) {
      ui.connection.textContent = state.authProblem
    } else if (offline) {
      ui.connection.textContent = 'Offline: scans are saved on this device and sent when the connection is back.'
    } else {
      ui.connection.textContent = 'Online'
    }
    const parts = []
    if (waiting) parts.push(`${waiting} ${waiting === 1 ? 'scan' : 'scans'} waiting to send.`)
    else if (!offline) parts.push('All scans sent.')
    if (state.list?.generated_at) {
      parts.push(`Attendee list saved at ${formatTime(state.list.generated_at)}.`)
    } else if (offline) {
      parts.push('No attendee list is saved on this device.')
    }
    ui.queue.textContent = parts.join(' ')
    renderConflicts()
  }

  function renderConflicts () {
    const count = state.conflicts.length
    ui.conflicts.hidden = count === 0
    ui.conflictsHeading.textContent = `Sync: ${count} ${count === 1 ? 'conflict' : 'conflicts'}`
    let link = ui.status.querySelector('.desk-status__conflicts')
    if (count && !link) {
      link = document.createElement('a')
      link.className = 'govuk-link desk-status__conflicts'
      link.href = '#conflicts'
      ui.status.append(link)
    }
    if (link) {
      if (count) link.textContent = `Sync: ${count} ${count === 1 ? 'conflict' : 'conflicts'}`
      else link.remove()
    }
    ui.conflictsList.replaceChildren(...state.conflicts.map((conflict) => {
      const row = document.createElement('div')
      row.className = 'govuk-summary-list__row'
      const term = document.createElement('dt')
      term.className = 'govuk-summary-list__key'
      term.textContent = conflict.name
      const detail = document.createElement('dd')
      detail.className = 'govuk-summary-list__value'
      detail.textContent = `Scanned at ${formatTime(conflict.at)} (${conflict.direction}). ` +
        `Shown at the door: ${conflict.shown}. Now: ${conflict.now}`
      row.append(term, detail)
      return row
    }))
  }

  // --- Counts --------------------------------------------------------------------------
  function renderCounts () {
    if (!state.counts) return
    ui.countIn.textContent = String(state.counts.in)
    ui.countExpected.textContent = String(state.counts.expected)
  }

  function countChange (delta) {
    if (!state.counts) return
    state.counts.in = Math.max(0, state.counts.in + delta)
    renderCounts()
  }

  // Scans waiting in the queue that the server has not counted yet.
  function queuedDelta () {
    let delta = 0
    for (const item of state.queue) {
      if (item.shown !== 'ok') continue
      delta += item.direction === 'exit' ? -1 : 1
    }
    return delta
  }

  async function refreshCounts () {
    try {
      const { status, data } = await api(config.summaryUrl)
      if (status !== 200) return
      state.counts = { in: Math.max(0, data.in + queuedDelta()), expected: data.expected }
      renderCounts()
    } catch (error) {
      if (!(error instanceof NetworkError)) throw error
      setOnline(false)
    }
  }

  // --- The offline list ----------------------------------------------------------------
  async function refreshList () {
    // Queued scans have changed the saved list; a fresh one would forget them.
    if (state.queue.length) return
    try {
      const { status, data } = await api(config.offlineUrl)
      if (status !== 200) {
        if (status === 401 || status === 403) forgetList()
        return
      }
      state.list = {
        generated_at: data.generated_at,
        places: data.places,
        retired_secrets: data.retired_secrets ?? []
      }
      save('list', state.list)
      indexList()
      renderStatus()
    } catch (error) {
      if (!(error instanceof NetworkError)) throw error
      setOnline(false)
    }
  }

  // A revoked device keeps no personal data.
  function forgetList () {
    state.list = null
    indexList()
    try { window.localStorage.removeItem(key('list')) } catch {}
    renderStatus()
  }

  function rememberPlace (place, checkedIn) {
    if (!place) return
    const saved = byId.get(place.id)
    if (!saved) return
    saved.checked_in = checkedIn
    saved.checkin_state = checkedIn ? 'in' : 'out'
    saved.state = place.state ?? saved.state
    save('list', state.list)
  }

  // --- Scanning ------------------------------------------------------------------------
  function direction () {
    const checked = root.querySelector('input[name="direction"]:checked')
    return checked ? checked.value : 'entry'
  }

  // `ticket` is {secret} from a scan or {place, name} from search.
  async function checkIn (ticket) {
    if (state.busy) return
    state.busy = true
    try {
      const scan = {
        ...ticket,
        nonce: newNonce(),
        direction: direction(),
        at: new Date().toISOString()
      }
      // Earlier scans go first, so that an entry and an exit keep their order.
      if (state.queue.length) await sync()
      if (!state.queue.length && navigator.onLine !== false) {
        try {
          const { status, data } = await api(config.checkinUrl, { method: 'POST', body: requestBody(scan) })
          showAnswer(scan, status, data)
          return
        } catch (error) {
          if (!(error instanceof NetworkError)) throw error
          setOnline(false)
        }
      }
      await decideOffline(scan)
    } finally {
      state.busy = false
    }
  }

  function requestBody (scan) {
    const body = { nonce: scan.nonce, direction: scan.direction }
    if (scan.secret !== undefined) body.secret = scan.secret
    else body.place = scan.place
    return body
  }

  function showAnswer (scan, status, data) {
    if (status === 401 || status === 403) {
      show({ kind: 'stop', heading: 'Not checked', detail: state.authProblem })
      return
    }
    if (status === 400) {
      show({ kind: 'stop', heading: 'Code not read', detail: 'That is not a ticket code. Scan it again, or search for the delegate by name.' })
      return
    }
    const result = describe(data, scan.direction)
    applyAnswer(data, scan.direction)
    show(result)
  }

  // Bring the saved list and the count up to date with the server's answer.
  function applyAnswer (data, scanDirection) {
    if (data.result === 'ok') {
      const entering = (data.direction ?? scanDirection) !== 'exit'
      rememberPlace(data.place, entering)
      countChange(entering ? 1 : -1)
    } else if (data.result === 'already_checked_in') {
      rememberPlace(data.place, true)
    } else if (data.result === 'not_checked_in') {
      rememberPlace(data.place, false)
    }
  }

  // Turn an answer (from the server, or decided here) into what the screen shows.
  function describe (data, scanDirection) {
    const place = data.place ?? null
    const exit = (data.direction ?? scanDirection) === 'exit'
    switch (data.result) {
      case 'ok':
        return {
          kind: 'ok',
          heading: exit ? 'Checked out' : 'Checked in',
          place,
          checkinId: place?.checkin_id ?? null,
          undo: true,
          badge: !exit
        }
      case 'already_checked_in': {
        const when = data.checked_in_at ?? place?.checked_in_at
        const who = [data.by, data.device && data.device !== data.by ? data.device : '']
          .filter(Boolean).join(', ')
        let detail = 'They are already in.'
        if (when) detail = `Checked in at ${formatTime(when)}${who ? ` by ${who}` : ''}.`
        else if (data.offline) detail = 'The attendee list saved on this device says they are already in.'
        return { kind: 'warn', heading: 'Already checked in', detail, place, badge: true }
      }
      case 'not_checked_in':
        return { kind: 'warn', heading: 'Not checked in', detail: 'They have not been checked in, so they cannot be checked out.', place }
      case 'invalid': {
        const [heading, detail] = REASONS[data.reason] ?? ['Ticket not valid', 'This ticket does not let anyone in.']
        let more = ''
        if (data.reason === 'transferred' && place) more = ` The place now belongs to ${fullName(place)}.`
        return { kind: 'stop', heading, detail: detail + more, place: data.reason === 'transferred' ? null : place }
      }
      default:
        return {
          kind: 'stop',
          heading: 'Ticket not recognised',
          detail: data.offline
            ? 'This code is not in the attendee list saved on this device. If they booked after the list was saved, check again when the connection is back, or find them by name.'
            : 'This code does not match any ticket. Find them by name, or send them to the event organiser.'
        }
    }
  }

  // No connection: judge the scan from the saved list, show it, and queue it.
  async function decideOffline (scan) {
    if (!state.list) {
      show({
        kind: 'stop',
        heading: 'Cannot check this ticket',
        detail: 'This device is offline and has no saved attendee list. Check their ticket by eye, and scan it again when the connection is back.'
      })
      return
    }
    let place = null
    let retired = null
    if (scan.secret !== undefined) {
      const hash = await sha256(scan.secret)
      if (hash === null) {
        show({ kind: 'stop', heading: 'Cannot check this ticket', detail: 'Offline checking needs a secure (https) connection.' })
        return
      }
      place = byHash.get(hash) ?? null
      if (!place) retired = state.list.retired_secrets.find((r) => r.secret_sha256 === hash) ?? null
    } else {
      place = byId.get(scan.place) ?? null
    }
    let answer
    if (retired) {
      answer = { result: 'invalid', reason: retired.reason, place: byId.get(retired.place_id) }
    } else if (!place) {
      answer = { result: 'unknown' }
    } else if (place.state === 'cancelled') {
      answer = { result: 'invalid', reason: 'cancelled', place }
    } else if (place.state !== 'confirmed') {
      answer = { result: 'invalid', reason: 'unpaid', place }
    } else if (scan.direction === 'exit') {
      answer = place.checked_in ? { result: 'ok', direction: 'exit', place } : { result: 'not_checked_in', place }
    } else {
      answer = place.checked_in ? { result: 'already_checked_in', place } : { result: 'ok', direction: 'entry', place }
    }
    answer.offline = true
    const result = describe(answer, scan.direction)
    result.offline = true
    // Only scans of people who stand at the door with a place are sent on: a
    // ticket the list turned away was not let in, so there is nothing to record.
    if (place && answer.result !== 'invalid') {
      state.queue.push({ ...scan, shown: answer.result, placeId: place.id, name: fullName(place) })
      save('queue', state.queue)
      result.nonce = scan.nonce
      if (answer.result === 'ok') {
        rememberPlace(place, scan.direction !== 'exit')
        countChange(scan.direction === 'exit' ? -1 : 1)
      }
      renderStatus()
    }
    show(result)
  }

  // --- The queue -----------------------------------------------------------------------
  function sync () {
    if (!state.syncing) {
      state.syncing = sendQueue().finally(() => { state.syncing = null })
    }
    return state.syncing
  }

  async function sendQueue () {
    while (state.queue.length && !state.authProblem) {
      const scan = state.queue[0]
      let answer
      try {
        answer = await api(config.checkinUrl, { method: 'POST', body: requestBody(scan) })
      } catch (error) {
        if (!(error instanceof NetworkError)) throw error
        setOnline(false)
        return
      }
      const { status, data } = answer
      if (status === 401 || status === 403 || status === 429) return
      state.queue.shift()
      save('queue', state.queue)
      if (status === 400) {
        addConflict(scan, 'the system could not read this scan, so it was not recorded.')
      } else {
        if (data.result === 'ok' && data.place?.checkin_id) state.synced[scan.nonce] = data.place.checkin_id
        syncedAnswer(scan, data)
      }
      renderStatus()
    }
    if (!state.queue.length) {
      refreshCounts()
      refreshList()
    }
  }

  // Bring the list and the count in line with the server, and note any disagreement.
  function syncedAnswer (scan, data) {
    const entering = scan.direction !== 'exit'
    if (data.result === 'ok') rememberPlace(data.place, entering)
    else if (data.result === 'already_checked_in') rememberPlace(data.place, true)
    else if (data.result === 'not_checked_in') rememberPlace(data.place, false)
    if (data.result === scan.shown) return
    // The door counted this scan and the server did not, or the other way round.
    if (scan.shown === 'ok') countChange(entering ? -1 : 1)
    if (data.result === 'ok') countChange(entering ? 1 : -1)
    const now = describe(data, scan.direction)
    addConflict(scan, `${now.heading}. ${now.detail ?? ''}`.trim())
  }

  function addConflict (scan, now) {
    const shown = describe({ result: scan.shown }, scan.direction).heading
    state.conflicts.push({
      name: scan.name || 'Unknown ticket',
      at: scan.at,
      direction: scan.direction === 'exit' ? 'exit' : 'entry',
      shown,
      now
    })
    save('conflicts', state.conflicts)
    renderConflicts()
  }

  // --- The result screen ---------------------------------------------------------------
  const ICONS = { ok: '✓', warn: '!', stop: '✕', neutral: 'i' }

  function show (result) {
    state.current = result
    state.returnFocus = state.returnFocus ?? document.activeElement
    ui.result.className = `desk-result desk-result--${result.kind}`
    ui.resultIcon.textContent = ICONS[result.kind]
    ui.resultHeading.textContent = result.heading
    ui.resultDetail.textContent = result.detail ?? ''
    ui.resultDetail.hidden = !result.detail
    const place = result.place
    ui.resultName.textContent = place ? fullName(place) : ''
    ui.resultName.hidden = !place
    const facts = []
    if (place?.job_title) facts.push(['Job title', place.job_title])
    if (place?.organisation) facts.push(['Organisation', place.organisation])
    if (place?.ticket_type) facts.push(['Ticket', place.ticket_type])
    ui.resultFacts.replaceChildren(...facts.flatMap(([term, value]) => {
      const dt = document.createElement('dt')
      dt.textContent = term
      const dd = document.createElement('dd')
      dd.textContent = value
      return [dt, dd]
    }))
    ui.resultFacts.hidden = facts.length === 0
    const needs = place?.access_needs?.trim()
    ui.resultNeeds.hidden = !needs
    ui.resultNeedsText.textContent = needs ?? ''
    ui.resultOffline.hidden = !result.offline
    showBadge(result)
    showUndo(result)
    setModal(true)
    ui.result.hidden = false
    ui.result.focus()
    const words = [result.heading, place ? fullName(place) : '', result.detail ?? '',
      needs ? `Access needs: ${needs}` : '', result.offline ? 'Offline, will sync.' : '']
    announce(words.filter(Boolean).join('. '))
  }

  function showBadge (result) {
    const id = result.place?.id
    if (config.badgeUrl && id && result.badge) {
      ui.resultBadge.href = withId(config.badgeUrl, id)
      ui.resultBadge.hidden = false
    } else {
      ui.resultBadge.hidden = true
      ui.resultBadge.removeAttribute('href')
    }
  }

  function showUndo (result) {
    window.clearTimeout(state.undoTimer)
    ui.resultUndo.hidden = !result.undo
    ui.resultUndo.disabled = false
    if (result.undo) {
      ui.resultUndo.textContent = result.heading === 'Checked out' ? 'Undo check-out' : 'Undo check-in'
      state.undoTimer = window.setTimeout(() => { ui.resultUndo.hidden = true }, UNDO_SECONDS * 1000)
    }
  }

  async function undo () {
    const result = state.current
    if (!result?.undo) return
    ui.resultUndo.disabled = true
    const exit = result.heading === 'Checked out'
    const place = result.place
    const undone = () => {
      rememberPlace(place, exit)
      countChange(exit ? 1 : -1)
      show({
        kind: 'neutral',
        heading: exit ? 'Check-out undone' : 'Check-in undone',
        detail: exit ? 'They are still checked in.' : 'They are not checked in.',
        place
      })
    }
    // Still in the queue: take it out, and the server never hears of it.
    const queued = state.queue.findIndex((scan) => scan.nonce === result.nonce)
    if (result.nonce && queued !== -1) {
      state.queue.splice(queued, 1)
      save('queue', state.queue)
      renderStatus()
      undone()
      return
    }
    const checkinId = result.checkinId ?? state.synced[result.nonce]
    if (!checkinId) {
      ui.resultDetail.textContent = 'This scan cannot be undone here. Ask the event organiser to correct it.'
      ui.resultDetail.hidden = false
      return
    }
    try {
      const { status, data } = await api(withId(config.undoUrl, checkinId), { method: 'POST' })
      if (status === 200) {
        undone()
        return
      }
      ui.resultDetail.textContent = data?.detail ?? 'This scan could not be undone.'
    } catch (error) {
      if (!(error instanceof NetworkError)) throw error
      setOnline(false)
      ui.resultDetail.textContent = 'This scan could not be undone: there is no connection. Try again in a moment.'
      ui.resultUndo.disabled = false
    }
    ui.resultDetail.hidden = false
    announce(ui.resultDetail.textContent)
  }

  function next () {
    if (ui.result.hidden) return
    window.clearTimeout(state.undoTimer)
    ui.result.hidden = true
    setModal(false)
    state.current = null
    const focus = state.returnFocus
    state.returnFocus = null
    if (camera.stream) {
      camera.resumedAt = Date.now()
      camera.paused = false
      ui.cameraToggle.focus()
    } else if (focus && focus.isConnected && focus !== document.body) {
      focus.focus()
    } else {
      ui.code.focus()
    }
  }

  // While the result covers the screen, nothing behind it can be reached.
  function setModal (open) {
    for (const child of document.body.children) {
      if (child === ui.result || child === ui.announcer || child.tagName === 'SCRIPT') continue
      child.inert = open
    }
  }

  function announce (text) {
    // Emptied first, so that the same words twice in a row are read out twice.
    ui.announcer.textContent = ''
    window.setTimeout(() => { ui.announcer.textContent = text }, 50)
  }

  // --- Camera --------------------------------------------------------------------------
  const camera = { stream: null, detector: null, timer: null, paused: false, lastValue: '', resumedAt: 0 }

  function cameraMessage (text) {
    ui.cameraMessage.hidden = !text
    ui.cameraMessage.textContent = text ? `Error: ${text}` : ''
  }

  async function startCamera () {
    cameraMessage('')
    if (!cameraAvailable()) {
      cameraMessage('This browser cannot use the camera on this page. The camera needs a secure (https) connection. Use the ticket code box instead.')
      return
    }
    ui.cameraToggle.disabled = true
    ui.cameraToggle.textContent = 'Starting camera…'
    try {
      const [stream, detector] = await Promise.all([
        openRearCamera(),
        camera.detector ?? loadQrDetector(config.ponyfillUrl, config.wasmUrl)
      ])
      camera.stream = stream
      camera.detector = detector
      ui.video.srcObject = stream
      ui.camera.hidden = false
      ui.cameraHint.hidden = false
      await ui.video.play()
      camera.paused = false
      camera.resumedAt = 0
      ui.cameraToggle.textContent = 'Stop camera'
      camera.timer = window.setTimeout(readFrame, SCAN_EVERY_MS)
    } catch (error) {
      stopCamera()
      if (error?.name === 'NotAllowedError') {
        cameraMessage('The camera is not allowed. Allow this site to use the camera in your browser settings, or use the ticket code box.')
      } else if (error?.name === 'NotFoundError' || error?.name === 'OverconstrainedError') {
        cameraMessage('No camera was found. Use the ticket code box instead.')
      } else {
        cameraMessage('The camera could not be started. Use the ticket code box instead.')
      }
    } finally {
      ui.cameraToggle.disabled = false
    }
  }

  function stopCamera () {
    window.clearTimeout(camera.timer)
    camera.timer = null
    for (const track of camera.stream?.getTracks() ?? []) track.stop()
    camera.stream = null
    ui.video.srcObject = null
    ui.camera.hidden = true
    ui.cameraHint.hidden = true
    ui.cameraToggle.textContent = 'Start camera'
  }

  async function readFrame () {
    camera.timer = null
    if (!camera.stream) return
    if (!camera.paused && !state.busy && ui.result.hidden && ui.video.readyState >= 2) {
      try {
        const codes = await camera.detector.detect(ui.video)
        const value = codes.map((code) => code.rawValue).find(Boolean)
        const repeat = value === camera.lastValue && Date.now() - camera.resumedAt < SAME_CODE_PAUSE_MS
        if (value && !repeat && camera.stream) {
          camera.paused = true
          camera.lastValue = value
          state.returnFocus = ui.cameraToggle
          await checkIn({ secret: value })
        }
      } catch (error) {
        // A frame that cannot be read is skipped; the next one may be clearer.
        console.warn('Could not read the camera frame', error)
      }
    }
    if (camera.stream) camera.timer = window.setTimeout(readFrame, SCAN_EVERY_MS)
  }

  // --- Search --------------------------------------------------------------------------
  async function search (query) {
    query = query.trim()
    if (!query) {
      ui.searchStatus.textContent = 'Enter a name, email, organisation or booking reference.'
      ui.searchResults.replaceChildren()
      return
    }
    let places = null
    let total = 0
    let offline = false
    if (navigator.onLine !== false) {
      try {
        const { status, data } = await api(`${config.searchUrl}?${new URLSearchParams({ q: query })}`)
        if (status === 200) {
          places = Array.isArray(data) ? data : data.results
          total = Array.isArray(data) ? data.length : data.count
        }
      } catch (error) {
        if (!(error instanceof NetworkError)) throw error
        setOnline(false)
      }
    }
    if (places === null) {
      offline = true
      places = searchSaved(query)
      total = places.length
    }
    renderResults(places, total, offline)
  }

  function searchSaved (query) {
    const words = fold(query).split(/\s+/).filter(Boolean)
    return (state.list?.places ?? []).filter((place) => {
      const text = fold([place.first_name, place.last_name, place.organisation, place.booking_reference, place.email].join(' '))
      return words.every((word) => text.includes(word))
    }).slice(0, 50)
  }

  function renderResults (places, total, offline) {
    const shown = places.length
    let text = `${total} ${total === 1 ? 'person' : 'people'} found`
    if (shown < total) text += `, showing the first ${shown}. Type more of the name to narrow it down`
    text += offline ? ' in the attendee list saved on this device (offline).' : '.'
    if (offline && !state.list) text = 'Offline, and no attendee list is saved on this device.'
    ui.searchStatus.textContent = text
    const exit = direction() === 'exit'
    ui.searchResults.replaceChildren(...places.map((place) => {
      const item = document.createElement('li')
      item.className = 'desk-results__item'
      const name = document.createElement('p')
      name.className = 'govuk-body govuk-!-font-weight-bold govuk-!-margin-bottom-1'
      name.textContent = fullName(place)
      const about = document.createElement('p')
      about.className = 'govuk-body govuk-!-margin-bottom-1'
      about.textContent = [place.organisation, place.ticket_type].filter(Boolean).join(' – ')
      const standing = document.createElement('p')
      standing.className = 'govuk-body govuk-!-margin-bottom-0'
      standing.textContent = placeStanding(place)
      const button = document.createElement('button')
      button.type = 'button'
      button.className = 'govuk-button'
      button.dataset.module = 'govuk-button'
      const verb = document.createElement('span')
      verb.textContent = exit ? 'Check out' : 'Check in'
      const who = document.createElement('span')
      who.className = 'govuk-visually-hidden'
      who.textContent = ` ${fullName(place)}`
      button.append(verb, who)
      button.addEventListener('click', () => {
        state.returnFocus = ui.search
        checkIn({ place: place.id, name: fullName(place) })
      })
      item.append(name, about, standing, button)
      return item
    }))
  }

  function placeStanding (place) {
    if (place.state === 'cancelled') return 'Place cancelled'
    if (place.state !== 'confirmed') return 'Not paid'
    if (place.checked_in || place.checkin_state === 'in') {
      const at = place.first_entry_at ?? place.last_scan_at
      return at ? `Checked in (first at ${formatTime(at)})` : 'Checked in'
    }
    if (place.checkin_state === 'out') return 'Checked out'
    return 'Not checked in yet'
  }

  // --- Wiring --------------------------------------------------------------------------
  this.start = function () {
    // The result and the announcer sit at the top level, so that everything
    // else can be made inert while the result covers the screen.
    document.body.append(ui.result, ui.announcer)
    indexList()
    const savedDirection = load('direction', 'entry')
    const radio = root.querySelector(`input[name="direction"][value="${savedDirection}"]`)
    if (radio) radio.checked = true

    ui.codeForm.addEventListener('submit', (event) => {
      event.preventDefault()
      const value = ui.code.value.trim()
      if (!value) {
        ui.codeGroup.classList.add('govuk-form-group--error')
        ui.code.classList.add('govuk-input--error')
        ui.codeError.hidden = false
        ui.codeError.innerHTML = '<span class="govuk-visually-hidden">Error:</span> Scan a ticket or type its code'
        ui.code.setAttribute('aria-describedby', 'code-hint code-error')
        ui.code.focus()
        return
      }
      ui.codeGroup.classList.remove('govuk-form-group--error')
      ui.code.classList.remove('govuk-input--error')
      ui.codeError.hidden = true
      ui.code.setAttribute('aria-describedby', 'code-hint')
      ui.code.value = ''
      state.returnFocus = ui.code
      checkIn({ secret: value })
    })
    ui.searchForm.addEventListener('submit', (event) => {
      event.preventDefault()
      search(ui.search.value)
    })
    ui.cameraToggle.addEventListener('click', () => (camera.stream ? stopCamera() : startCamera()))
    ui.resultNext.addEventListener('click', next)
    ui.resultUndo.addEventListener('click', undo)
    ui.conflictsClear.addEventListener('click', () => {
      state.conflicts = []
      save('conflicts', state.conflicts)
      renderStatus()
      ui.code.focus()
    })
    for (const input of root.querySelectorAll('input[name="direction"]')) {
      input.addEventListener('change', () => save('direction', direction()))
    }
    document.addEventListener('keydown', (event) => {
      if (ui.result.hidden) return
      if (event.key === 'Escape') {
        event.preventDefault()
        next()
        return
      }
      // A handheld scanner types the next code while the result is showing:
      // close the result and let the code go into the box.
      const printable = event.key.length === 1 && event.key !== ' ' &&
        !event.ctrlKey && !event.metaKey && !event.altKey
      if (printable) {
        event.preventDefault()
        state.returnFocus = ui.code
        next()
        ui.code.value = event.key
        ui.code.focus()
      }
    })
    window.addEventListener('online', () => { sync(); refreshCounts() })
    window.addEventListener('offline', () => setOnline(false))
    window.addEventListener('beforeunload', (event) => {
      if (state.queue.length) event.preventDefault()
    })

    renderStatus()
    refreshCounts()
    if (state.queue.length) sync()
    else refreshList()
    window.setInterval(() => {
      if (state.queue.length) sync()
      refreshCounts()
    }, SUMMARY_EVERY_MS)
    window.setInterval(refreshList, LIST_EVERY_MS)
    if (!ui.code.matches(':focus') && window.matchMedia('(pointer: fine)').matches) ui.code.focus()
  }
}

// --- Helpers -------------------------------------------------------------------------

function fullName (place) {
  return [place.first_name, place.last_name].filter(Boolean).join(' ')
}

function formatTime (iso) {
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? '' : TIME_FORMAT.format(date)
}

// Lower case without accents, so that "sian" finds "Siân".
function fold (text) {
  return (text || '').normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()
}

function newNonce () {
  if (window.crypto?.randomUUID) return window.crypto.randomUUID()
  const bytes = window.crypto.getRandomValues(new Uint8Array(16))
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

async function sha256 (text) {
  if (!window.crypto?.subtle) return null
  const digest = await window.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('')
}
