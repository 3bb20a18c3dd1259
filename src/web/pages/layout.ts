import type { Viewer } from '../viewer.ts'
import { html, type Html } from './html.ts'

export interface PageFrame {
  title: string
  competition: string
  viewer: Viewer
  /** The session's CSRF token (for the logout form); null for the public. */
  csrf: string | null
  /** Generation of the live state the page was drawn from (the live script asks from there). */
  generation?: number
  /** A one-line notice after an action (from the query string, shown as text). */
  notice?: string | null
}

/** The frame of every page: navigation, who is logged in, the page's body. */
export function layout(frame: PageFrame, body: Html): Html {
  const { viewer } = frame
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${frame.title} - ${frame.competition}</title>
        <link rel="stylesheet" href="/assets/app.css" />
        <script src="/assets/app.js" defer></script>
      </head>
      <body data-generation="${frame.generation ?? ''}">
        <header>
          <span class="title">${frame.competition}</span>
          <nav>
            <a href="/">Scoreboard</a> | <a href="/grid">Services</a> |
            <a href="/rounds">Rounds</a
            >${viewer.role === 'blue' && viewer.team !== null ? html` | <a href="/teams/${viewer.team}">My team</a>` : ''}${viewer.role === 'white' ? html` | <a href="/admin">Admin</a> | <a href="/admin/errors">Service errors</a>` : ''}
          </nav>
          <span class="who"
            >${
              viewer.name === null
                ? html`<a href="/login">Log in</a>`
                : html`<span
                      >${viewer.name}
                      (${viewer.role}${viewer.team !== null ? html` team ${viewer.team}` : ''})</span
                    >
                    <form method="post" action="/logout">
                      <input type="hidden" name="_csrf" value="${frame.csrf ?? ''}" /><button type="submit">
                        Log out
                      </button>
                    </form>`
            }</span
          >
        </header>
        <main>${frame.notice ? html`<p class="notice" role="status">${frame.notice}</p>` : ''} ${body}</main>
      </body>
    </html>`
}
