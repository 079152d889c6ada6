/** modules/fota: signed images, A/B slots with trial boot and rollback, the Object 5 state machine. */
export { FotaError, type FotaErrorCode } from './errors';
export { Sha256 } from './sha256';
export { parseHeader, signImage, unsignedHeader, verifyHeaderSignature, HEADER_LENGTH, SIGNED_LENGTH, IMAGE_MAGIC, IMAGE_FORMAT, type ImageHeader, type ImageMeta } from './image';
export { FirmwareSlots, regionView, type SlotIndex, type BootRecord, type BootDecision, type SlotsOptions } from './slots';
export { FirmwareUpdate, FwState, FwResult, type FirmwareUpdateOptions, type FirmwareInstaller, type PackageSource, type BlockReply } from './update';
export { parsePackageUri, type PackageUri } from './uri';
