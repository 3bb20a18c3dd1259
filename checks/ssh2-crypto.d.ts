/** Types for the part of ssh2's crypto module that `ssh2-cipher-keys.ts` wraps (ssh2 ships none). */
declare module 'ssh2/lib/protocol/crypto.js' {
  const ssh2Crypto: {
    /** Makes the cipher of the packets sent once keys are exchanged. */
    createCipher: (config: unknown) => object
    /** Makes the decipher of the packets received once keys are exchanged. */
    createDecipher: (config: unknown) => object
  }
  export default ssh2Crypto
}
