-- Caller verification on interactions: method, result, who and when; never the caller's answers.
CREATE TYPE "VerificationMethod" AS ENUM ('dob_phone', 'email', 'callback', 'override');
CREATE TYPE "VerificationResult" AS ENUM ('passed', 'failed');

CREATE TABLE "caller_verifications" (
    "id" SERIAL NOT NULL,
    "interaction_id" INTEGER NOT NULL,
    "customer_id" INTEGER NOT NULL,
    "method" "VerificationMethod" NOT NULL,
    "result" "VerificationResult" NOT NULL,
    "actor_id" INTEGER NOT NULL,
    "reason" TEXT,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "caller_verifications_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "caller_verifications_interaction_id_at_idx" ON "caller_verifications"("interaction_id", "at");
CREATE INDEX "caller_verifications_customer_id_at_idx" ON "caller_verifications"("customer_id", "at" DESC);
CREATE INDEX "caller_verifications_at_idx" ON "caller_verifications"("at");

ALTER TABLE "caller_verifications" ADD CONSTRAINT "caller_verifications_interaction_id_fkey" FOREIGN KEY ("interaction_id") REFERENCES "interactions"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "caller_verifications" ADD CONSTRAINT "caller_verifications_actor_id_fkey" FOREIGN KEY ("actor_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
