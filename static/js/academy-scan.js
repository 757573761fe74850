// The academy's scan desk for one module (templates/academy/manage/scan.html).
//
// Without this script the page is a plain form: a handheld (keyboard-wedge)
// scanner types the QR code and presses Enter, the form posts, the page comes
// back with the result. With it, the code is sent with fetch, the result shows
// in the same panel, the box is emptied and keeps the focus for the next
// scan, the count of people present stays current, and the camera can scan
// too, with the barcode-detector ponyfill the events check-in desk also uses.

import { cameraAvailable, loadQrDetector, openRearCamera } from './qr-camera.js'

const COUNTS_EVERY_MS = 15000
const SCAN_EVERY_MS = 250
// The same QR code still in front of the camera is not read again for this long.
const SAME_CODE_PAUSE_MS = 4000
const ICONS = { ok: '✓', warn: '!', stop: '✗' }

const root = document.getElementById('scan-desk')
if (root) start(root)

function start (root) {
  const el = (id) => document.getElementById(id)
  const ui = {
    form: el('scan-form'),
    group: el('code-group'),
    code: el('id_code'),
    error: el('id_code_error'),
    result: el('scan-result'),
    icon: el('result-icon'),
    heading: el('result-heading'),
    name: el('result-name'),
    detail: el('result-detail'),
    present: el('count-present'),
    expected: el('count-expected'),
    announcer: el('scan-announcer'),
    cameraControls: el('camera-controls'),
    cameraToggle: el('camera-toggle'),
    cameraMessage: el('camera-message'),
    camera: el('camera'),
    video: el('camera-video')
  }
  const csrf = ui.form.querySelector('input[name="csrfmiddlewaretoken"]').value
  let busy = false

  function showError (text) {
    ui.group.classList.toggle('govuk-form-group--error', Boolean(text))
    ui.code.classList.toggle('govuk-input--error', Boolean(text))
    ui.error.hidden = !text
    ui.error.replaceChildren()
    if (text) {
      const hidden = document.createElement('span')
      hidden.className = 'govuk-visually-hidden'
      hidden.textContent = 'Error:'
      ui.error.append(hidden, ` ${text}`)
      ui.code.setAttribute('aria-describedby', 'id_code_helptext id_code_error')
      announce(`Error: ${text}`)
    } else {
      ui.code.setAttribute('aria-describedby', 'id_code_helptext')
    }
  }

  function showResult (result) {
    ui.result.className = `scan-result scan-result--${result.kind}`
    ui.icon.textContent = result.icon || ICONS[result.kind] || ''
    ui.heading.textContent = result.heading
    ui.name.textContent = result.name || ''
    ui.name.hidden = !result.name
    ui.detail.textContent = result.detail || ''
    ui.result.hidden = false
    announce([result.heading, result.name, result.detail].filter(Boolean).join('. '))
  }

  function showCounts (counts) {
    if (!counts) return
    ui.present.textContent = String(counts.present)
    ui.expected.textContent = String(counts.expected)
  }

  function announce (text) {
    // Emptied first, so that the same words twice in a row are read out twice.
    ui.announcer.textContent = ''
    window.setTimeout(() => { ui.announcer.textContent = text }, 50)
  }

  async function send (code) {
    if (busy) return
    busy = true
    try {
      const body = new FormData()
      body.append('code', code)
      let response
      try {
        response = await fetch(ui.form.action, {
          method: 'POST',
          body,
          headers: { Accept: 'application/json', 'X-CSRFToken': csrf },
          credentials: 'same-origin',
          cache: 'no-store'
        })
      } catch {
        showResult({ kind: 'stop', heading: 'Not sent', detail: 'There is no connection. Check the network and scan the code again.' })
        return
      }
      const type = response.headers.get('Content-Type') || ''
      const data = type.includes('json') ? await response.json().catch(() => null) : null
      if (response.status === 400 && data?.errors?.length) {
        showError(data.errors[0])
        return
      }
      if (!response.ok || !data?.result) {
        const signedOut = response.status === 403 || response.redirected
        showResult({
          kind: 'stop',
          heading: 'Not marked',
          detail: signedOut
            ? 'You have been signed out, or cannot take attendance. Reload the page and sign in again.'
            : 'Something went wrong. Scan the code again, or use the register.'
        })
        return
      }
      showError('')
      showResult(data.result)
      showCounts(data.counts)
    } finally {
      busy = false
    }
  }

  ui.form.addEventListener('submit', (event) => {
    event.preventDefault()
    const code = ui.code.value.trim()
    if (!code) {
      showError('Scan a QR code or type its code')
      ui.code.focus()
      return
    }
    ui.code.value = ''
    ui.code.focus()
    send(code)
  })

  async function refreshCounts () {
    try {
      const response = await fetch(root.dataset.countsUrl, {
        headers: { Accept: 'application/json' },
        credentials: 'same-origin',
        cache: 'no-store'
      })
      if (!response.ok) return
      const data = await response.json()
      showCounts(data.counts)
    } catch {
      // Offline for a moment: the next refresh or scan brings the count up to date.
    }
  }
  window.setInterval(refreshCounts, COUNTS_EVERY_MS)

  // --- Camera --------------------------------------------------------------------------
  const camera = { stream: null, detector: null, timer: null, lastValue: '', lastAt: 0 }

  function cameraMessage (text) {
    ui.cameraMessage.hidden = !text
    ui.cameraMessage.textContent = text ? `Error: ${text}` : ''
  }

  async function startCamera () {
    cameraMessage('')
    if (!cameraAvailable()) {
      cameraMessage('This browser cannot use the camera on this page: it needs a secure (https) connection. Use the QR code box instead.')
      return
    }
    ui.cameraToggle.disabled = true
    ui.cameraToggle.textContent = 'Starting camera…'
    try {
      const [stream, detector] = await Promise.all([
        openRearCamera(),
        camera.detector ?? loadQrDetector(root.dataset.ponyfillUrl, root.dataset.wasmUrl)
      ])
      camera.stream = stream
      camera.detector = detector
      ui.video.srcObject = stream
      ui.camera.hidden = false
      await ui.video.play()
      ui.cameraToggle.textContent = 'Stop camera'
      camera.timer = window.setTimeout(readFrame, SCAN_EVERY_MS)
    } catch (error) {
      stopCamera()
      if (error?.name === 'NotAllowedError') {
        cameraMessage('The camera is not allowed. Allow this site to use the camera in your browser settings, or use the QR code box.')
      } else if (error?.name === 'NotFoundError' || error?.name === 'OverconstrainedError') {
        cameraMessage('No camera was found. Use the QR code box instead.')
      } else {
        cameraMessage('The camera could not be started. Use the QR code box instead.')
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
    ui.cameraToggle.textContent = 'Start camera'
  }

  async function readFrame () {
    camera.timer = null
    if (!camera.stream) return
    if (!busy && ui.video.readyState >= 2) {
      try {
        const codes = await camera.detector.detect(ui.video)
        const value = codes.map((code) => code.rawValue).find(Boolean)
        const repeat = value === camera.lastValue && Date.now() - camera.lastAt < SAME_CODE_PAUSE_MS
        if (value && !repeat) {
          camera.lastValue = value
          camera.lastAt = Date.now()
          await send(value)
        } else if (value) {
          camera.lastAt = Date.now()
        }
      } catch (error) {
        // A frame that cannot be read is skipped; the next one may be clearer.
        console.warn('Could not read the camera frame', error)
      }
    }
    if (camera.stream) camera.timer = window.setTimeout(readFrame, SCAN_EVERY_MS)
  }

  ui.cameraControls.hidden = false
  ui.cameraToggle.addEventListener('click', () => (camera.stream ? stopCamera() : startCamera()))
}
