-- Break-the-glass review: an admin acknowledges each reveal as justified or flags it with a comment.
CREATE TYPE "RevealReview" AS ENUM ('justified', 'flagged');

ALTER TABLE "medical_reveals" ADD COLUMN "review_outcome" "RevealReview",
ADD COLUMN "reviewed_at" TIMESTAMP(3),
ADD COLUMN "reviewed_by_id" INTEGER,
ADD COLUMN "review_comment" TEXT;

CREATE INDEX "medical_reveals_reviewed_at_created_at_idx" ON "medical_reveals"("reviewed_at", "created_at");
