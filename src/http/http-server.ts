import http from 'node:http';
import type { Express } from 'express';

// Express hands every request and response its methods by swapping their prototype for
// `app.request` / `app.response` (`Object.setPrototypeOf` in `app.handle`). On Node 20's V8 an
// object whose prototype was swapped leaves the shared hidden classes: each property added to it
// afterwards (Express's `next` and `params`, the session, passport, `res.locals`) makes a hidden
// class for that one object. No property access on a request or response then hits an inline
// cache, so every one of them is looked up the slow way: about 360 reads and 60 writes per
// signed-in page, a sixth of the app's instructions (callgrind, customer search).
//
// Here the objects are built with that prototype from the start: the server constructs them from
// classes whose prototype Express then uses as `app.request` / `app.response`, so Express's swap
// finds the prototype already in place and changes nothing.

/** `target` takes `source`'s place: the same prototype and the same own properties. */
function adopt(target: object, source: object): void {
  Object.setPrototypeOf(target, Object.getPrototypeOf(source));
  Object.defineProperties(target, Object.getOwnPropertyDescriptors(source));
}

/** The HTTP server for `app`, building requests and responses Express need not re-parent. */
export function createHttpServer(app: Express): http.Server {
  const IncomingMessage = class extends http.IncomingMessage {};
  const ServerResponse = class extends http.ServerResponse {};
  adopt(IncomingMessage.prototype, app.request);
  adopt(ServerResponse.prototype, app.response);
  app.request = IncomingMessage.prototype as Express['request'];
  app.response = ServerResponse.prototype as Express['response'];
  return http.createServer({ IncomingMessage, ServerResponse }, app);
}
