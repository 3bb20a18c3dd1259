/**
 * Types for the parts of net-snmp (which ships none) that the `snmp` check and its tests use: a
 * client session, and the in-process agent the tests answer with.
 */
declare module 'net-snmp' {
  import type { EventEmitter } from 'node:events'
  import type { Socket, SocketType } from 'node:dgram'

  export interface Varbind {
    oid: string
    type: number
    value: unknown
  }

  export interface SessionOptions {
    port?: number
    retries?: number
    /** Milliseconds before a request is sent again (or fails once `retries` are spent). */
    timeout?: number
    backoff?: number
    transport?: SocketType
    version?: number
    /** A replacement for node:dgram; net-snmp calls its `createSocket` once. */
    dgramModule?: { createSocket(type: SocketType): Socket }
  }

  export interface User {
    name: string
    level: number
    authProtocol?: number
    authKey?: string
    privProtocol?: number
    privKey?: string
  }

  export interface Session extends EventEmitter {
    get(oids: string[], callback: (error: Error | null, varbinds?: Varbind[]) => void): void
    close(): void
  }

  export function createSession(target: string, community: string, options?: SessionOptions): Session
  export function createV3Session(target: string, user: User, options?: SessionOptions): Session
  export function isVarbindError(varbind: Varbind): boolean

  export const Version1: number
  export const Version2c: number
  export const Version3: number
  export const ObjectType: Record<string, number> & Record<number, string>
  export const ErrorStatus: Record<string, number> & Record<number, string>
  export const SecurityLevel: { noAuthNoPriv: number; authNoPriv: number; authPriv: number }
  export const AuthProtocols: Record<string, number>
  export const PrivProtocols: Record<string, number>
  export const ResponseInvalidCode: Record<string, number>
  export const MibProviderType: { Scalar: string; Table: string }
  export const MaxAccess: Record<string, number>

  /** The engine a v3 session talks to, as net-snmp hands it to a privacy algorithm. */
  export interface Engine {
    engineID: Buffer
  }

  /** One privacy algorithm of `Encryption.algorithms`, keyed by `PrivProtocols` value. */
  export interface PrivacyAlgorithm {
    encryptPdu(
      scopedPdu: Buffer,
      privProtocol: number,
      privPassword: string,
      authProtocol: number,
      engine: Engine,
    ): { encryptedPdu: Buffer; msgPrivacyParameters: Buffer }
    decryptPdu(
      encryptedPdu: Buffer,
      privProtocol: number,
      privParameters: Buffer,
      privPassword: string,
      authProtocol: number,
      engine: Engine,
    ): Buffer
  }

  export const Encryption: { algorithms: Record<number, PrivacyAlgorithm | undefined> }
  export const Authentication: {
    passwordToKey(authProtocol: number, password: string, engineID: Buffer): Buffer
  }

  export class ResponseInvalidError extends Error {
    code: number
  }
  export class RequestFailedError extends Error {
    status: number
  }
  export class RequestTimedOutError extends Error {}

  export interface MibProvider {
    name: string
    type: string
    oid: string
    scalarType?: number
    maxAccess?: number
  }

  export interface Mib {
    registerProvider(provider: MibProvider): void
    setScalarValue(name: string, value: unknown): void
  }

  export interface Authorizer {
    addCommunity(community: string): void
    addUser(user: User): void
  }

  export interface AgentOptions {
    port?: number
    address?: string | null
    transport?: SocketType
    disableAuthorization?: boolean
    dgramModule?: { createSocket(type: SocketType): Socket }
  }

  export interface Agent {
    getAuthorizer(): Authorizer
    getMib(): Mib
    close(callback?: () => void): void
  }

  export function createAgent(
    options: AgentOptions,
    callback: (error: Error | null, data: unknown) => void,
  ): Agent

  const snmp: {
    createSession: typeof createSession
    createV3Session: typeof createV3Session
    createAgent: typeof createAgent
    isVarbindError: typeof isVarbindError
    Version1: number
    Version2c: number
    Version3: number
    ObjectType: typeof ObjectType
    ErrorStatus: typeof ErrorStatus
    SecurityLevel: typeof SecurityLevel
    AuthProtocols: typeof AuthProtocols
    PrivProtocols: typeof PrivProtocols
    ResponseInvalidCode: typeof ResponseInvalidCode
    MibProviderType: typeof MibProviderType
    MaxAccess: typeof MaxAccess
    ResponseInvalidError: typeof ResponseInvalidError
    RequestFailedError: typeof RequestFailedError
    RequestTimedOutError: typeof RequestTimedOutError
    Encryption: typeof Encryption
    Authentication: typeof Authentication
  }
  export default snmp
}
