/** The subjects the imap check matches: those of the latest messages of the selected mailbox. */
import type { ImapFlow } from 'imapflow'
import { excerpt, matchExpected, type ExpectOptions } from '../../src/check-options.ts'
import { CheckFailure } from '../../src/sdk.ts'

/** How many of the latest messages have their subject matched. */
export const SUBJECTS_READ = 50

/** The subjects of the latest messages of the selected mailbox, the newest last. */
export async function latestSubjects(client: ImapFlow, exists: number): Promise<string[]> {
  if (exists === 0) return []
  const first = Math.max(1, exists - SUBJECTS_READ + 1)
  const messages = await client.fetchAll(`${first}:${exists}`, { envelope: true })
  return messages.slice(-SUBJECTS_READ).map((m) => m.envelope?.subject ?? '')
}

/** Passes when one subject satisfies every match option set. */
export function matchSubjects(subjects: string[], options: ExpectOptions, mailbox: string): void {
  const satisfies = (subject: string) => {
    try {
      matchExpected(subject, options, 'subject')
      return true
    } catch {
      return false
    }
  }
  if (subjects.some(satisfies)) return
  const wanted: string[] = []
  if (options.expect) wanted.push(`containing ${options.expect.map((e) => excerpt(e, 60)).join(' or ')}`)
  if (options.expect_regex !== undefined) wanted.push(`matching /${options.expect_regex.slice(0, 60)}/`)
  if (options.expect_exact)
    wanted.push(`equal to ${options.expect_exact.map((e) => excerpt(e, 60)).join(' or ')}`)
  const where =
    subjects.length < SUBJECTS_READ ? `in "${mailbox}"` : `among the latest ${SUBJECTS_READ} of "${mailbox}"`
  const seen =
    subjects.length === 0
      ? `"${mailbox}" is empty`
      : `latest subjects: ${subjects
          .slice(-3)
          .reverse()
          .map((s) => excerpt(s, 60))
          .join(', ')}`
  throw new CheckFailure('match', `no message ${where} has a subject ${wanted.join(' and ')}; ${seen}`, {
    debug: subjects.join('\n').slice(0, 4000),
  })
}
