/**
 * Fixed ed25519 keys of the demo SSH server, so that the demo and the tests never generate keys at
 * run time. They are public and protect nothing.
 */

/** The demo server's host key. */
export const DEMO_SSH_HOST_KEY = `-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
QyNTUxOQAAACBOjAD0bWRELEzN827jewWv5RKkHZjtHGETrb+850EHtwAAAJj6b/+M+m//
jAAAAAtzc2gtZWQyNTUxOQAAACBOjAD0bWRELEzN827jewWv5RKkHZjtHGETrb+850EHtw
AAAEB3bdwBE41Nd7j2pd7zclepxw4a4d/geLNAJShm3/9TFk6MAPRtZEQsTM3zbuN7Ba/l
EqQdmO0cYROtv7znQQe3AAAAEXNjYW5uZXItZGVtby1ob3N0AQIDBA==
-----END OPENSSH PRIVATE KEY-----
`

/** A client key for key logins to the demo server (the `private_key` option of an `ssh` check). */
export const DEMO_SSH_CLIENT_KEY = `-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
QyNTUxOQAAACArmHyBqoXm3cOA7jbV45T+l86VISWYsMFlFDC5/m40mQAAAJgqSTD6Kkkw
+gAAAAtzc2gtZWQyNTUxOQAAACArmHyBqoXm3cOA7jbV45T+l86VISWYsMFlFDC5/m40mQ
AAAECfcp1ubHi4GEqvqyn2/JOaVO9hQi7QOMQu3dNPalogyiuYfIGqhebdw4DuNtXjlP6X
zpUhJZiwwWUUMLn+bjSZAAAAE3NjYW5uZXItZGVtby1jbGllbnQBAg==
-----END OPENSSH PRIVATE KEY-----
`

/** The public half of `DEMO_SSH_CLIENT_KEY`, in `authorized_keys` form. */
export const DEMO_SSH_CLIENT_PUBLIC_KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICuYfIGqhebdw4DuNtXjlP6XzpUhJZiwwWUUMLn+bjSZ scanner-demo-client'
