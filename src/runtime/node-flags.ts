/**
 * Node options the single binary starts with (the `execArgv` of its SEA config, see build.mjs);
 * the bench runs its engine process with them too, so that it measures what organisers run.
 *
 * `--max-semi-space-size=8`: the main thread's young generation held at 8 MB semi-spaces (the
 * default grows to 16). The main thread receives every result and writes the rounds; measured on
 * a 100 x 15 round (bench/engine-rounds.ts, one worker): peak RSS 317-325 -> 288-292 MB, rounds
 * and their database writes no slower; 4 MB took RSS to 264-276 MB but rounds ~25% longer.
 * Worker threads set their own limits (WORKER_LIMITS in engine/check-thread.ts).
 */
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8']
