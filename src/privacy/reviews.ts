import type { Actor } from '../auth/actor.js';
import { recordAudit } from '../audit.js';
import type { Db } from '../db/client.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import type { ViewContext } from './presenter.js';

/** Reveals unreviewed for longer than this stand out in the queue. */
export const REVIEW_OVERDUE_DAYS = 7;
export const FLAG_COMMENT_MIN = 10;
export const REVIEW_AUDIT_ACTION = 'reveal_review';
const QUEUE_LIMIT = 200;
const RECENT_LIMIT = 50;

export type ReviewOutcome = 'justified' | 'flagged';

/** One reveal as the review queue shows it: who, whose record, why, when. Never a medical value. */
export interface RevealForReview {
  id: number;
  doctorName: string;
  customerId: number;
  customerName: string;
  reason: string;
  createdAt: Date;
  overdue: boolean;
  outcome: ReviewOutcome | null;
  reviewedAt: Date | null;
  reviewerName: string | null;
  comment: string | null;
}

/** Unreviewed reveals oldest first (the overdue ones at the top), then the latest reviewed. */
export interface ReviewQueue {
  pending: RevealForReview[];
  reviewed: RevealForReview[];
}

const REVEAL_SELECT = {
  id: true,
  reason: true,
  createdAt: true,
  customerId: true,
  reviewOutcome: true,
  reviewedAt: true,
  reviewedById: true,
  reviewComment: true,
  doctor: { select: { name: true } },
  customer: { select: { fullName: true } },
} as const;

/** The names of the admins who reviewed these reveals, by id. */
async function reviewerNames(db: Db, reviewed: { reviewedById: number | null }[]) {
  const reviewerIds = [
    ...new Set(reviewed.map((r) => r.reviewedById).filter((id): id is number => id !== null)),
  ];
  const reviewers = await db.user.findMany({
    where: { id: { in: reviewerIds } },
    select: { id: true, name: true },
  });
  return new Map(reviewers.map((u) => [u.id, u.name]));
}

export async function revealReviewQueue(db: Db, now = new Date()): Promise<ReviewQueue> {
  const [pending, reviewed] = await Promise.all([
    db.medicalReveal.findMany({
      where: { reviewedAt: null },
      orderBy: { createdAt: 'asc' },
      take: QUEUE_LIMIT,
      select: REVEAL_SELECT,
    }),
    db.medicalReveal.findMany({
      where: { reviewedAt: { not: null } },
      orderBy: { reviewedAt: 'desc' },
      take: RECENT_LIMIT,
      select: REVEAL_SELECT,
    }),
  ]);
  const reviewers = await reviewerNames(db, reviewed);
  const overdueBefore = now.getTime() - REVIEW_OVERDUE_DAYS * 86_400_000;
  const present = (r: (typeof pending)[number]): RevealForReview => ({
    id: r.id,
    doctorName: r.doctor.name,
    customerId: r.customerId,
    customerName: r.customer.fullName,
    reason: r.reason,
    createdAt: r.createdAt,
    overdue: r.reviewedAt === null && r.createdAt.getTime() < overdueBefore,
    outcome: r.reviewOutcome,
    reviewedAt: r.reviewedAt,
    comment: r.reviewComment,
    reviewerName: r.reviewedById ? (reviewers.get(r.reviewedById) ?? null) : null,
  });
  return { pending: pending.map(present), reviewed: reviewed.map(present) };
}

/** The admin's verdict on one reveal; a flag needs a comment saying what is wrong. */
export interface RevealReview {
  revealId: number;
  outcome: ReviewOutcome;
  comment?: string;
}

function assertAdmin(actor: Actor): void {
  if (actor.role !== 'admin') throw new ForbiddenError('Only admins review reveals.');
}

/** The comment as it will be recorded (trimmed); a flag must say why. */
function assertFlagExplained(review: RevealReview): string {
  const comment = review.comment?.trim() ?? '';
  if (review.outcome === 'flagged' && comment.length < FLAG_COMMENT_MIN) {
    const message = `Say what is wrong with this reveal (at least ${FLAG_COMMENT_MIN} characters).`;
    throw new ValidationError(message, { comment: message });
  }
  return comment;
}

/** The reveal's patient, for the audit row. */
async function revealPatient(db: Db, revealId: number): Promise<number> {
  const reveal = await db.medicalReveal.findUnique({
    where: { id: revealId },
    select: { customerId: true },
  });
  if (!reveal) throw new NotFoundError();
  return reveal.customerId;
}

/**
 * An admin acknowledges a reveal as justified or flags it with a comment. Each reveal is reviewed
 * once: a second review (say, two admins at once) is a conflict, not an overwrite. Audited.
 */
export async function reviewReveal(
  db: Db,
  actor: Actor,
  review: RevealReview,
  view: ViewContext = {},
): Promise<void> {
  assertAdmin(actor);
  const comment = assertFlagExplained(review);
  const customerId = await revealPatient(db, review.revealId);
  await db.$transaction(async (tx) => {
    const { count } = await tx.medicalReveal.updateMany({
      where: { id: review.revealId, reviewedAt: null },
      data: {
        reviewOutcome: review.outcome,
        reviewedAt: new Date(),
        reviewedById: actor.id,
        reviewComment: comment || null,
      },
    });
    if (count === 0) throw new ConflictError('Someone reviewed this reveal already.', null);
    await recordAudit(tx, {
      actor,
      action: REVIEW_AUDIT_ACTION,
      customerId,
      recordType: 'reveal',
      recordId: review.revealId,
      reason: review.outcome === 'flagged' ? `flagged: ${comment.slice(0, 500)}` : 'justified',
      ip: view.ip,
    });
  });
}
