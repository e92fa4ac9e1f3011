/**
 * The pages' only style sheet, served from the server's own origin (CSP `style-src 'self'`).
 * Colours meet WCAG 2.2 contrast (text at least 7:1 on its background, controls at least
 * 4.5:1), focus is always visible (§2.4.7), and the layout is one column that fits a 320 px
 * wide screen (§1.4.10 reflow).
 */
export const BROWSER_STYLE = `
*, *::before, *::after { box-sizing: border-box; }
html { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; font-size: 100%; line-height: 1.5; color: #1a1a1a; background: #f4f4f2; }
body { margin: 0; }
main { max-width: 40rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
h1 { font-size: 1.6rem; margin: 0 0 1rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 0.75rem; }
section > h2:first-child { margin-top: 0; }
section, form.card { background: #ffffff; border: 1px solid #c8c8c4; border-radius: 0.5rem; padding: 1rem; margin: 0 0 1rem; }
label { display: block; font-weight: 600; margin: 0.75rem 0 0.25rem; }
input[type="text"], input[type="password"] { display: block; width: 100%; font: inherit; padding: 0.6rem 0.7rem; border: 2px solid #5c5c58; border-radius: 0.35rem; background: #ffffff; color: #1a1a1a; }
button { font: inherit; font-weight: 600; padding: 0.55rem 1rem; margin-top: 1rem; border: 2px solid #0b4f8a; border-radius: 0.35rem; background: #0b4f8a; color: #ffffff; cursor: pointer; min-height: 2.75rem; }
button.secondary { background: #ffffff; color: #0b4f8a; }
button.danger { background: #9b1c1c; border-color: #9b1c1c; }
:focus-visible { outline: 3px solid #b35c00; outline-offset: 2px; }
input:focus-visible { border-color: #0b4f8a; }
.hint { color: #44443f; font-size: 0.95rem; margin: 0.25rem 0 0; }
.message { padding: 0.75rem 1rem; border-radius: 0.35rem; border: 2px solid; font-weight: 600; }
.message.error { color: #7a1414; background: #fdecec; border-color: #9b1c1c; }
.message.notice { color: #0c4a1f; background: #e8f6ec; border-color: #1d6b34; }
ul.sessions { list-style: none; margin: 0; padding: 0; }
ul.sessions > li { border-top: 1px solid #c8c8c4; padding: 0.75rem 0; }
ul.sessions > li:first-child { border-top: 0; }
.device { font-weight: 600; }
.badge { display: inline-block; margin-left: 0.5rem; padding: 0 0.5rem; border-radius: 1rem; background: #0b4f8a; color: #ffffff; font-size: 0.85rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0 0.75rem; margin: 0.25rem 0 0; font-size: 0.95rem; }
dl.facts dt { color: #44443f; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
form.inline { margin: 0; }
form.inline button { margin-top: 0.5rem; }
`;
