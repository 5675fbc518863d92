import sharp, { type Metadata } from 'sharp';
import type { Db } from '../../db/client.js';
import { recordAudit } from '../../audit.js';
import { NotFoundError, ValidationError } from '../../errors.js';

export const PHOTO_MAX_BYTES = 2 * 1024 * 1024;
/** Decoding cost grows with pixels, not bytes: a 2 MB file can claim a gigapixel canvas. */
export const PHOTO_MAX_PIXELS = 24_000_000;
/** Shown as an avatar and on the profile: larger sides are scaled down. */
export const PHOTO_STORED_SIDE = 512;

const TYPE_MESSAGE = 'Choose a JPEG, PNG or WebP image.';

/** The format named by the file's first bytes; its name and the browser's type are not trusted. */
export function sniffImageType(bytes: Buffer): 'jpeg' | 'png' | 'webp' | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff)
    return 'jpeg';
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return 'png';
  if (
    bytes.subarray(0, 4).toString('latin1') === 'RIFF' &&
    bytes.subarray(8, 12).toString('latin1') === 'WEBP'
  )
    return 'webp';
  return null;
}

export interface StoredPhoto {
  image: Buffer;
  contentType: 'image/webp';
  width: number;
  height: number;
}

/**
 * Checks an upload and re-encodes it as WebP: decoding and encoding afresh keeps only pixels, so
 * EXIF (camera, GPS position), XMP and comments are gone, and odd or hostile encodings do not
 * reach a browser. Orientation from EXIF is applied first so the face stays upright.
 */
export async function preparePhoto(bytes: Buffer | undefined): Promise<StoredPhoto> {
  if (!bytes || bytes.length === 0) throw new ValidationError('Choose a photo to upload.');
  if (bytes.length > PHOTO_MAX_BYTES) throw new ValidationError('The photo is larger than 2 MB.');
  const type = sniffImageType(bytes);
  if (!type) throw new ValidationError(`That file is not an image. ${TYPE_MESSAGE}`);
  const input = () => sharp(bytes, { limitInputPixels: PHOTO_MAX_PIXELS, failOn: 'error' });
  let meta: Metadata;
  try {
    // Header only (no pixels decoded), so the size can be told apart from a broken file.
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch {
    throw new ValidationError(`That image could not be read. ${TYPE_MESSAGE}`);
  }
  if (meta.format !== type)
    throw new ValidationError(`That image could not be read. ${TYPE_MESSAGE}`);
  if ((meta.width ?? 0) * (meta.height ?? 0) > PHOTO_MAX_PIXELS)
    throw new ValidationError(
      `The image is too big in pixels (${meta.width} × ${meta.height}); keep it under 24 megapixels.`,
    );
  try {
    const { data, info } = await input()
      .rotate()
      .resize(PHOTO_STORED_SIDE, PHOTO_STORED_SIDE, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 82 })
      .toBuffer({ resolveWithObject: true });
    return { image: data, contentType: 'image/webp', width: info.width, height: info.height };
  } catch {
    throw new ValidationError(`That image could not be read. ${TYPE_MESSAGE}`);
  }
}

export async function saveCustomerPhoto(
  db: Db,
  actor: { id: number; role: 'agent' | 'supervisor' | 'admin' | 'doctor' },
  customerId: number,
  photo: StoredPhoto,
): Promise<void> {
  const customer = await db.customer.findUnique({
    where: { id: customerId },
    select: { id: true },
  });
  if (!customer) throw new NotFoundError('No such customer.');
  const data = { ...photo, image: new Uint8Array(photo.image), uploadedById: actor.id };
  await db.$transaction(async (tx) => {
    await tx.customerPhoto.upsert({
      where: { customerId },
      create: { customerId, ...data },
      update: data,
    });
    await recordAudit(tx, { actor, action: 'customer_photo_changed', customerId });
  });
}

export async function removeCustomerPhoto(
  db: Db,
  actor: { id: number; role: 'agent' | 'supervisor' | 'admin' | 'doctor' },
  customerId: number,
): Promise<void> {
  await db.$transaction(async (tx) => {
    const { count } = await tx.customerPhoto.deleteMany({ where: { customerId } });
    if (count) await recordAudit(tx, { actor, action: 'customer_photo_removed', customerId });
  });
}

export async function loadCustomerPhoto(db: Db, customerId: number) {
  const photo = await db.customerPhoto.findUnique({
    where: { customerId },
    select: { image: true, contentType: true, updatedAt: true },
  });
  if (!photo) throw new NotFoundError('No photo for this customer.');
  return {
    image: Buffer.from(photo.image),
    contentType: photo.contentType,
    // Names this version of the photo: a new upload moves updatedAt.
    etag: `"${customerId}-${photo.updatedAt.getTime()}"`,
  };
}
