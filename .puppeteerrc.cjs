/** Puppeteer must never download a browser: tests use Debian's chromium (see test/browser/chrome.ts). */
module.exports = { skipDownload: true };
