-- AlterTable
ALTER TABLE "sla_targets" ADD COLUMN     "version" INTEGER NOT NULL DEFAULT 1;

-- CreateTable
CREATE TABLE "sla_target_versions" (
    "id" SERIAL NOT NULL,
    "priority" "TicketPriority" NOT NULL,
    "first_response_mins" INTEGER NOT NULL,
    "resolution_mins" INTEGER NOT NULL,
    "effective_from" TIMESTAMP(3) NOT NULL,
    "changed_by_id" INTEGER,

    CONSTRAINT "sla_target_versions_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "sla_target_versions_priority_effective_from_idx" ON "sla_target_versions"("priority", "effective_from" DESC);

-- AddForeignKey
ALTER TABLE "sla_target_versions" ADD CONSTRAINT "sla_target_versions_changed_by_id_fkey" FOREIGN KEY ("changed_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- The targets installed so far are the first version, in force since before any ticket.
INSERT INTO "sla_target_versions" ("priority", "first_response_mins", "resolution_mins", "effective_from")
SELECT "priority", "first_response_mins", "resolution_mins", '1970-01-01' FROM "sla_targets";
