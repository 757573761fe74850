// Pay by card with Stripe.js: the card element, then confirmCardPayment, so that the
// payer's bank can ask for 3-D Secure. Anything that goes wrong is shown in a GOV.UK
// error summary and the button comes back for another try. The server is asked for
// the PaymentIntent only when the payer presses Pay, so loading the page changes nothing.

const GENERIC_ERROR = 'Something went wrong. Your card has not been charged. Try again.'
const UNAVAILABLE = 'Card payments are not available at the moment. Try again later.'
const PAID_STATES = ['succeeded', 'processing', 'requires_capture']

const form = document.getElementById('payment-form')
if (form) setUp(form)

function setUp (form) {
  const config = form.dataset
  const button = document.getElementById('pay-button')
  const buttonLabel = button.textContent
  const csrfToken = form.querySelector('input[name="csrfmiddlewaretoken"]').value
  const show = errorDisplay(document.title)

  if (typeof window.Stripe !== 'function') {
    show(UNAVAILABLE)
    button.disabled = true
    return
  }
  let stripe = window.Stripe(config.publishableKey)
  if (config.testServerUrl) stripe = forTestServer(stripe, config.testServerUrl, csrfToken)
  const card = stripe.elements().create('card', {
    hidePostalCode: true,
    style: { base: { fontFamily: 'arial, sans-serif', fontSize: '19px', color: '#0b0c0c' } }
  })
  card.mount('#card-element')
  show.focusTarget = () => { if (typeof card.focus === 'function') card.focus() }

  const busy = (isBusy) => {
    button.disabled = isBusy
    button.setAttribute('aria-disabled', String(isBusy))
    button.textContent = isBusy ? 'Taking payment…' : buttonLabel
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    if (button.disabled) return
    busy(true)
    try {
      const intent = await post(form.action, {}, csrfToken)
      if (intent.redirect) {
        window.location.assign(intent.redirect)
        return
      }
      if (intent.error || !intent.client_secret) throw new Error(intent.error || GENERIC_ERROR)
      const result = await stripe.confirmCardPayment(intent.client_secret, {
        payment_method: {
          card,
          billing_details: { name: config.bookerName, email: config.bookerEmail }
        }
      })
      const paymentIntent = result.paymentIntent || (result.error && result.error.payment_intent)
      if (paymentIntent && PAID_STATES.includes(paymentIntent.status)) {
        const back = new URL(config.returnUrl, window.location.href)
        back.searchParams.set('payment_intent', paymentIntent.id)
        window.location.assign(back.toString())
        return
      }
      const failure = paymentIntent && paymentIntent.last_payment_error
      throw new Error(
        (result.error && result.error.message) || (failure && failure.message) || GENERIC_ERROR
      )
    } catch (error) {
      show(error.message || GENERIC_ERROR)
      busy(false)
    }
  })
}

// Show a message in a GOV.UK error summary at the top and beside the card details.
function errorDisplay (title) {
  const slot = document.getElementById('error-summary')
  const group = document.getElementById('card-group')
  const fieldError = document.getElementById('card-error')
  const fieldset = group.querySelector('fieldset')

  const show = (message) => {
    const summary = element('div', { class: 'govuk-error-summary', tabindex: '-1' })
    const alert = element('div', { role: 'alert' })
    const body = element('div', { class: 'govuk-error-summary__body' })
    const list = element('ul', { class: 'govuk-list govuk-error-summary__list' })
    const link = element('a', { href: '#card-element' }, message)
    link.addEventListener('click', (event) => {
      event.preventDefault()
      group.scrollIntoView()
      show.focusTarget()
    })
    list.append(element('li', {}, link))
    body.append(list)
    alert.append(element('h2', { class: 'govuk-error-summary__title' }, 'There is a problem'), body)
    summary.append(alert)
    slot.replaceChildren(summary)
    slot.hidden = false

    group.classList.add('govuk-form-group--error')
    fieldError.replaceChildren(
      element('span', { class: 'govuk-visually-hidden' }, 'Error:'), ` ${message}`
    )
    fieldError.hidden = false
    fieldset.setAttribute('aria-describedby', 'card-hint card-error')
    document.title = `Error: ${title}`
    summary.focus()
  }
  show.focusTarget = () => {}
  return show
}

function element (tag, attributes, ...children) {
  const node = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value)
  node.append(...children)
  return node
}

async function post (url, data, csrfToken) {
  let response
  try {
    response = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: {
        Accept: 'application/json',
        'Content-Type': 'application/x-www-form-urlencoded',
        'X-CSRFToken': csrfToken
      },
      body: new URLSearchParams(data)
    })
  } catch {
    throw new Error('We could not reach the server. Check your connection and try again.')
  }
  try {
    return await response.json()
  } catch {
    throw new Error(GENERIC_ERROR)
  }
}

// On a Stripe test server (localstripe), whose Stripe.js only plays the 3-D Secure step
// of confirmCardPayment, tokenise the card and let our server attach it; then play the
// 3-D Secure step if the card asks for it. Real Stripe.js never comes through here.
function forTestServer (stripe, url, csrfToken) {
  const authenticate = stripe.confirmCardPayment
  return {
    ...stripe,
    async confirmCardPayment (clientSecret, data) {
      const { token, error } = await stripe.createToken(data.payment_method.card)
      if (error || !token) {
        return { error: { message: 'Enter your card number, expiry date and security code.' } }
      }
      const answer = await post(url, { client_secret: clientSecret, token: token.id }, csrfToken)
      if (answer.error) return { error: { message: answer.error } }
      if (answer.status === 'requires_action') return authenticate(answer.client_secret, {})
      return { paymentIntent: { id: answer.id, status: answer.status } }
    }
  }
}
