/** A boot-time problem the operator must fix; printed as one line, without a stack. */
export class StartupError extends Error {}

/** Service-layer refusals, mapped to HTTP statuses by the one error middleware. */
export class NotFoundError extends Error {
  constructor(message = 'Not found') {
    super(message);
  }
}

export class ForbiddenError extends Error {
  constructor(message = 'You do not have access to this.') {
    super(message);
  }
}

export class ValidationError extends Error {
  constructor(
    message: string,
    readonly fieldErrors: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** The record changed since the user loaded it; carries the current row for the conflict page. */
export class ConflictError<T = unknown> extends Error {
  constructor(
    message: string,
    readonly current: T,
  ) {
    super(message);
  }
}

/** A state change the lifecycle does not allow (e.g. completing a cancelled consultation). */
export class TransitionError extends Error {}
