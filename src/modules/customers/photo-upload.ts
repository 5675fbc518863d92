import type { NextFunction, Request, Response } from 'express';
import multer from 'multer';
import { STAFF } from '../../http/guards.js';
import { PHOTO_MAX_BYTES } from './photo.js';

const upload = multer({
  storage: multer.memoryStorage(),
  limits: { fileSize: PHOTO_MAX_BYTES, files: 1, fields: 4, fieldSize: 1_000, parts: 5 },
}).single('photo');

const LIMIT_MESSAGES: Record<string, string> = {
  LIMIT_FILE_SIZE: 'The photo is larger than 2 MB.',
  LIMIT_FILE_COUNT: 'Send one photo at a time.',
  LIMIT_UNEXPECTED_FILE: 'Send the photo in the photo field.',
};

declare module 'express-serve-static-core' {
  interface Request {
    /** Why the multipart photo upload was cut short, for the form to say. */
    photoUploadError?: string;
  }
}

/**
 * Parses the photo form (multipart) before the CSRF check, which reads `_csrf` from the body: the
 * form sends that field before the file, so it is there even when the file breaks a limit. Only
 * signed-in staff get their upload read into memory; for anyone else the route's guard answers.
 */
export function parsePhotoUpload(req: Request, res: Response, next: NextFunction): void {
  if (req.method !== 'POST' || !req.is('multipart/form-data')) return next();
  if (!req.user || !STAFF.includes(req.user.role)) return next();
  upload(req, res, (error?: unknown) => {
    if (error instanceof multer.MulterError) {
      req.photoUploadError = LIMIT_MESSAGES[error.code] ?? 'That upload could not be read.';
      return next();
    }
    if (error) {
      req.photoUploadError = 'That upload could not be read.';
      return next();
    }
    next();
  });
}
