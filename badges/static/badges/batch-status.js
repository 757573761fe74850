// Keep a badge batch's status up to date while it renders.
//
// Polls the batch's status JSON every 2 seconds and rewrites the live region
// (role="status"), so screen readers announce progress as it changes; when
// the batch is ready it shows the download button. Without this script the
// page's refresh link does the same job.

const POLL_MS = 2000
const TAG_CLASSES = ['govuk-tag--grey', 'govuk-tag--light-blue', 'govuk-tag--green', 'govuk-tag--red']

const container = document.querySelector('[data-batch-status-url]')

if (container && !container.hasAttribute('data-finished')) {
  const url = container.getAttribute('data-batch-status-url')
  const tag = container.querySelector('[data-batch-tag]')
  const message = container.querySelector('[data-batch-message]')
  const refresh = container.querySelector('[data-batch-refresh]')
  const download = container.querySelector('[data-batch-download]')

  const show = (status) => {
    // Only touch the live region when something changed: each change is announced.
    if (tag.textContent !== status.label) {
      tag.classList.remove(...TAG_CLASSES)
      tag.classList.add(status.tag_class)
      tag.textContent = status.label
    }
    if (message.textContent !== status.message) {
      message.textContent = status.message
    }
    if (status.finished) {
      refresh.hidden = true
      download.hidden = !status.download_url
    }
  }

  const poll = async () => {
    try {
      const response = await fetch(url, {
        headers: { Accept: 'application/json' },
        credentials: 'same-origin',
        cache: 'no-store'
      })
      if (response.ok) {
        const status = await response.json()
        show(status)
        if (status.finished) return
      }
    } catch (error) {
      // The connection dropped: keep the last status and try again.
    }
    window.setTimeout(poll, POLL_MS)
  }

  window.setTimeout(poll, POLL_MS)
}
