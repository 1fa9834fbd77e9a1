/**
 * The narrow seam to the native PKCS#11 binding: the calls rapki makes, with the shapes pkcs11js
 * uses (declared here rather than imported, so that the signer core has no static dependency on the
 * addon at all — it is loaded lazily by `module-registry.ts` when a `pkcs11:` URI is used).
 */

/** A slot, session or object handle (a native CK_ULONG in a Buffer). */
export type Handle = Buffer;

/** CK_VERSION. */
export interface Pkcs11Version {
  readonly major: number;
  readonly minor: number;
}

/** CK_INFO (blank-padded strings). */
export interface ModuleInfo {
  readonly manufacturerID: string;
  readonly libraryDescription: string;
  readonly libraryVersion: Pkcs11Version;
}

/** CK_SLOT_INFO. */
export interface SlotInfo {
  readonly slotDescription: string;
  readonly manufacturerID: string;
  readonly flags: number;
}

/** CK_TOKEN_INFO (the members rapki reads). */
export interface TokenInfo {
  readonly label: string;
  readonly manufacturerID: string;
  readonly model: string;
  readonly serialNumber: string;
  readonly flags: number;
}

/** CK_ATTRIBUTE as pkcs11js takes it. */
export interface Attribute {
  type: number;
  value?: number | boolean | string | Buffer;
}
export type Template = Attribute[];

/** CK_ATTRIBUTE as pkcs11js returns it. */
export interface AttributeResult {
  type: number;
  value: Buffer;
}

/** CK_MECHANISM without parameters (all rapki needs). */
export interface Mechanism {
  mechanism: number;
}

/** The subset of pkcs11js's PKCS11 class rapki uses. */
export interface Pkcs11Api {
  load(path: string): void;
  close(): void;
  C_Initialize(options?: { flags?: number }): void;
  C_Finalize(): void;
  C_GetInfo(): ModuleInfo;
  C_GetSlotList(tokenPresent?: boolean): Handle[];
  C_GetSlotInfo(slot: Handle): SlotInfo;
  C_GetTokenInfo(slot: Handle): TokenInfo;
  C_GetMechanismList(slot: Handle): number[];
  C_OpenSession(slot: Handle, flags: number): Handle;
  C_CloseSession(session: Handle): void;
  C_Login(session: Handle, userType: number, pin?: string): void;
  C_Logout(session: Handle): void;
  C_FindObjectsInit(session: Handle, template: Template): void;
  C_FindObjects(session: Handle, maxObjectCount: number): Handle[];
  C_FindObjectsFinal(session: Handle): void;
  C_GetAttributeValue(session: Handle, object: Handle, template: Template): AttributeResult[];
  C_SignInit(session: Handle, mechanism: Mechanism, key: Handle): void;
  C_SignAsync(session: Handle, inData: Buffer, outData: Buffer): Promise<Buffer>;
  C_GenerateKeyPair(session: Handle, mechanism: Mechanism, publicTmpl: Template, privateTmpl: Template): { privateKey: Handle; publicKey: Handle };
}

/** Creates an unloaded binding instance; the real one loads the pkcs11js addon on first use. */
export type BindingFactory = () => Promise<Pkcs11Api>;
