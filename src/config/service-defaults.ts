/**
 * What competition.yaml means when it says nothing. Its `defaults:` section replaces `timeoutMs`
 * (`timeout`), `points`, `external` and `visibility` (and may give a `host`, `credential_pool`
 * or `team_specific_info`) for every service; a service or an override replaces those in turn.
 */
export const SERVICE_DEFAULTS = {
  /** 10 seconds per check, as in the SPEC's example `defaults: { timeout: 10s }`. */
  timeoutMs: 10_000,
  /** One point per passing check: scores then count checks passed until an organiser sets points. */
  points: 1,
  /** The HTTP family requests the site root. */
  url: '/',
  /** Rounds check every service; external ones are scored by outside scripts. */
  external: false,
  /**
   * Everyone sees a service's status except the red team: status and error messages ("login
   * failed", "page does not contain...") tell an attacker which of its moves worked. Public
   * viewers never see error messages whatever the flag (SPEC 7).
   */
  visibility: { public: true, blue: true, green: true, red: false },
} as const

/** Rounds every 120 s, each started up to 15 s earlier or later (continuous mode). */
export const ROUND_DEFAULTS = { intervalMs: 120_000, jitterMs: 15_000 } as const
