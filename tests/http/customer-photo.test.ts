import type { Express } from 'express';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, createUser, postForm, signIn } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { makeCustomer, makeInteraction, makeTicket } from '../support/fixtures.js';

let db: TestDatabase;
let app: Express;
type Session = Awaited<ReturnType<typeof signIn>>;
let agent: Session;
let agentId: number;

beforeAll(async () => {
  db = await createTestDatabase();
  app = buildApp(db);
  const a = await createUser(db, 'agent');
  agentId = a.id;
  agent = await signIn(app, a.email);
});
afterAll(async () => {
  await db.drop();
});

/** A JPEG as a phone camera writes it: EXIF with the camera and a GPS position. */
async function phoneJpeg(width = 64, height = 48): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#c06040' } })
    .jpeg()
    .withExif({
      IFD0: { Make: 'PhoneMaker', Model: 'Camera 9' },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '6/1 27/1 0/1',
        GPSLongitudeRef: 'E',
        GPSLongitude: '3/1 23/1 0/1',
      },
    })
    .toBuffer();
}

function upload(session: Session, customerId: number, bytes: Buffer, filename: string) {
  return session.agent
    .post(`/customers/${customerId}/photo`)
    .field('_csrf', session.csrf)
    .attach('photo', bytes, filename);
}

async function storedPhotos(customerId: number) {
  return db.prisma.customerPhoto.count({ where: { customerId } });
}

describe('customer photo', () => {
  it('when a phone JPEG with GPS data is uploaded, then the stored and served image has no EXIF or GPS', async () => {
    const customer = await makeCustomer(db);
    const original = await phoneJpeg();
    expect((await sharp(original).metadata()).exif).toBeDefined();
    expect(original.includes(Buffer.from('PhoneMaker'))).toBe(true);

    const res = await upload(agent, customer.id, original, 'me.jpg');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/customers/${customer.id}`);

    const served = await agent.agent
      .get(`/customers/${customer.id}/photo`)
      .buffer(true)
      .parse((r, done) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => done(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect(served.headers['content-type']).toBe('image/webp');
    expect(served.headers['cache-control']).toBe('private, no-cache');
    const body = served.body as Buffer;
    const meta = await sharp(body).metadata();
    expect(meta.format).toBe('webp');
    expect(meta.width).toBe(64);
    expect(meta.exif).toBeUndefined();
    expect(body.includes(Buffer.from('PhoneMaker'))).toBe(false);
    const audit = await db.prisma.auditEvent.findFirst({
      where: { action: 'customer_photo_changed', customerId: customer.id },
    });
    expect(audit?.actorId).toBe(agentId);
  });

  it('when the browser asks again for the photo it holds, then 304; after a new upload, the new photo', async () => {
    const customer = await makeCustomer(db);
    expect((await upload(agent, customer.id, await phoneJpeg(), 'me.jpg')).status).toBe(303);
    const photoPath = `/customers/${customer.id}/photo`;
    const first = await agent.agent.get(photoPath).expect(200);
    const etag = first.headers.etag;
    expect(etag).toMatch(/^"\d+-\d+"$/);
    await agent.agent.get(photoPath).set('If-None-Match', etag).expect(304);

    await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await upload(agent, customer.id, await phoneJpeg(), 'new.jpg')).status).toBe(303);
    const after = await agent.agent.get(photoPath).set('If-None-Match', etag).expect(200);
    expect(after.headers.etag).not.toBe(etag);
  });

  it('when a program is renamed to .jpg, then it is refused with 422, the form again, and nothing is stored', async () => {
    const customer = await makeCustomer(db);
    const exe = Buffer.concat([
      Buffer.from('MZ\x90\x00\x03\x00\x00\x00', 'latin1'),
      Buffer.alloc(512),
    ]);
    const res = await upload(agent, customer.id, exe, 'holiday.jpg');
    expect(res.status).toBe(422);
    expect(res.text).toContain('That file is not an image. Choose a JPEG, PNG or WebP image.');
    expect(res.text).toContain('enctype="multipart/form-data"');
    expect(await storedPhotos(customer.id)).toBe(0);
  });

  it('when the file is larger than 2 MB, then it is refused with 422 and nothing is stored', async () => {
    const customer = await makeCustomer(db);
    const big = Buffer.concat([await phoneJpeg(), Buffer.alloc(2 * 1024 * 1024)]);
    const res = await upload(agent, customer.id, big, 'big.jpg');
    expect(res.status).toBe(422);
    expect(res.text).toContain('The photo is larger than 2 MB.');
    expect(await storedPhotos(customer.id)).toBe(0);
  });

  it('when an image claims more pixels than allowed, then it is refused with 422 and nothing is stored', async () => {
    const customer = await makeCustomer(db);
    const wide = await sharp({
      create: { width: 8000, height: 4000, channels: 3, background: '#fff' },
    })
      .png({ compressionLevel: 9 })
      .toBuffer();
    expect(wide.length).toBeLessThan(2 * 1024 * 1024);
    const res = await upload(agent, customer.id, wide, 'wide.png');
    expect(res.status).toBe(422);
    expect(res.text).toContain('too big in pixels');
    expect(await storedPhotos(customer.id)).toBe(0);
  });

  it('when the upload carries no CSRF token, then it is refused and nothing is stored', async () => {
    const customer = await makeCustomer(db);
    const res = await agent.agent
      .post(`/customers/${customer.id}/photo`)
      .attach('photo', await phoneJpeg(), 'me.jpg');
    expect(res.status).toBe(403);
    expect(await storedPhotos(customer.id)).toBe(0);
  });

  it('when a customer has no photo, then profile, ticket and interaction pages show initials; with one, the photo', async () => {
    const customer = await makeCustomer(db);
    const ticket = await makeTicket(db, customer.id, agentId, agentId);
    const interaction = await makeInteraction(db, customer.id, agentId);
    const pages = [
      `/customers/${customer.id}`,
      `/tickets/${ticket.id}`,
      `/interactions/${interaction.id}`,
    ];
    const initials = `${customer.firstName[0]}${customer.lastName[0]}`.toUpperCase();
    for (const url of pages) {
      const page = await agent.agent.get(url).expect(200);
      expect(page.text, url).toContain(`avatar-initials" role="img"`);
      expect(page.text, url).toContain(`>${initials}</span>`);
      expect(page.text, url).not.toContain(`/customers/${customer.id}/photo?v=`);
    }
    expect((await agent.agent.get(`/customers/${customer.id}/photo`)).status).toBe(404);
    await upload(agent, customer.id, await phoneJpeg(), 'me.jpg').expect(303);
    for (const url of pages) {
      const page = await agent.agent.get(url).expect(200);
      expect(page.text, url).toMatch(
        new RegExp(`<img class="avatar[^>]+src="/customers/${customer.id}/photo\\?v=\\d+"`),
      );
    }
  });

  it('when staff remove a photo, then it is no longer served and the removal is audited', async () => {
    const customer = await makeCustomer(db);
    await upload(agent, customer.id, await phoneJpeg(), 'me.jpg').expect(303);
    const removed = await postForm(agent, `/customers/${customer.id}/photo/remove`).expect(303);
    expect(removed.headers.location).toBe(`/customers/${customer.id}`);
    expect(await storedPhotos(customer.id)).toBe(0);
    expect((await agent.agent.get(`/customers/${customer.id}/photo`)).status).toBe(404);
    const audit = await db.prisma.auditEvent.count({
      where: { action: 'customer_photo_removed', customerId: customer.id },
    });
    expect(audit).toBe(1);
  });

  it('when someone is signed out, then the photo is not served', async () => {
    const customer = await makeCustomer(db);
    await upload(agent, customer.id, await phoneJpeg(), 'me.jpg').expect(303);
    const { default: request } = await import('supertest');
    const res = await request(app).get(`/customers/${customer.id}/photo`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login');
  });
});
