/**
 * ssh2 as the checks, the demo server and the bench use it: loaded after `ssh2-cipher-keys.ts` has
 * given its ciphers KeyObject keys. Import ssh2 from here (or `loadSsh2()`), not from 'ssh2'.
 */
import './ssh2-cipher-keys.ts'
import ssh2 from 'ssh2'

export default ssh2
