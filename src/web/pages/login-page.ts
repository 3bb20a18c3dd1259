import { html, type Html } from './html.ts'

/** The login form; `problem` is one of the server's own messages, never user input. */
export function loginPage(csrf: string, problem: string | null): Html {
  return html`<h1>Log in</h1>
    ${problem ? html`<p class="problem" role="alert">${problem}</p>` : ''}
    <form class="stack" method="post" action="/login">
      <input type="hidden" name="_csrf" value="${csrf}" />
      <label>Name <input name="name" autocomplete="username" required /></label>
      <label
        >Password <input name="password" type="password" autocomplete="current-password" required
      /></label>
      <button type="submit">Log in</button>
    </form>`
}
