// What both QR scanning desks (event check-in, academy modules) need from the
// camera: a QR detector built from the barcode-detector ponyfill with the
// ZXing WebAssembly served by this site, and the rear camera's stream.

// Return a BarcodeDetector for QR codes. The WebAssembly comes from wasmUrl:
// by default the package fetches it from a CDN, which the page's CSP forbids.
export async function loadQrDetector (ponyfillUrl, wasmUrl) {
  const module = await import(ponyfillUrl)
  await module.prepareZXingModule({
    overrides: {
      locateFile: (path, prefix) => (path.endsWith('.wasm') ? wasmUrl : prefix + path)
    },
    fireImmediately: true
  })
  return new module.BarcodeDetector({ formats: ['qr_code'] })
}

// Whether this browser can give the page a camera (it needs https or localhost).
export function cameraAvailable () {
  return Boolean(navigator.mediaDevices?.getUserMedia)
}

// Open the rear camera, as large as it comes up to 720p, without sound.
export function openRearCamera () {
  return navigator.mediaDevices.getUserMedia({
    audio: false,
    video: { facingMode: { ideal: 'environment' }, width: { ideal: 1280 }, height: { ideal: 720 } }
  })
}
