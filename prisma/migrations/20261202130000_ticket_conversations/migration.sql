-- CreateEnum
CREATE TYPE "FollowUpStatus" AS ENUM ('open', 'done', 'cancelled');

-- CreateEnum
CREATE TYPE "TicketEntryKind" AS ENUM ('note', 'contact');

-- CreateEnum
CREATE TYPE "ContactChannel" AS ENUM ('call', 'whatsapp', 'email', 'sms');

-- CreateEnum
CREATE TYPE "ContactDirection" AS ENUM ('inbound', 'outbound');

-- AlterEnum
ALTER TYPE "TicketStatus" ADD VALUE 'merged';

-- AlterTable
ALTER TABLE "support_tickets" ADD COLUMN     "merged_at" TIMESTAMP(3),
ADD COLUMN     "merged_into_id" INTEGER;

-- CreateTable
CREATE TABLE "ticket_entries" (
    "id" SERIAL NOT NULL,
    "ticket_id" INTEGER NOT NULL,
    "author_id" INTEGER NOT NULL,
    "kind" "TicketEntryKind" NOT NULL,
    "channel" "ContactChannel",
    "direction" "ContactDirection",
    "body" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "edited_at" TIMESTAMP(3),
    "version" INTEGER NOT NULL DEFAULT 1,

    CONSTRAINT "ticket_entries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ticket_entry_revisions" (
    "id" SERIAL NOT NULL,
    "entry_id" INTEGER NOT NULL,
    "editor_id" INTEGER NOT NULL,
    "previous_body" TEXT NOT NULL,
    "edited_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ticket_entry_revisions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "canned_replies" (
    "id" SERIAL NOT NULL,
    "title" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "shortcut" TEXT NOT NULL,
    "category" TEXT NOT NULL,
    "use_count" INTEGER NOT NULL DEFAULT 0,
    "created_by_id" INTEGER NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,

    CONSTRAINT "canned_replies_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "follow_ups" (
    "id" SERIAL NOT NULL,
    "ticket_id" INTEGER,
    "interaction_id" INTEGER,
    "owner_id" INTEGER NOT NULL,
    "due_at" TIMESTAMP(3) NOT NULL,
    "reason" TEXT NOT NULL,
    "status" "FollowUpStatus" NOT NULL DEFAULT 'open',
    "snooze_count" INTEGER NOT NULL DEFAULT 0,
    "closed_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "version" INTEGER NOT NULL DEFAULT 1,

    CONSTRAINT "follow_ups_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ticket_entries_ticket_id_created_at_id_idx" ON "ticket_entries"("ticket_id", "created_at", "id");

-- CreateIndex
CREATE INDEX "ticket_entry_revisions_entry_id_edited_at_idx" ON "ticket_entry_revisions"("entry_id", "edited_at");

-- CreateIndex
CREATE UNIQUE INDEX "canned_replies_shortcut_key" ON "canned_replies"("shortcut");

-- CreateIndex
CREATE INDEX "canned_replies_category_title_idx" ON "canned_replies"("category", "title");

-- CreateIndex
CREATE INDEX "follow_ups_status_owner_id_due_at_idx" ON "follow_ups"("status", "owner_id", "due_at");

-- CreateIndex
CREATE INDEX "follow_ups_status_due_at_idx" ON "follow_ups"("status", "due_at");

-- CreateIndex
CREATE INDEX "follow_ups_ticket_id_idx" ON "follow_ups"("ticket_id");

-- CreateIndex
CREATE INDEX "follow_ups_interaction_id_idx" ON "follow_ups"("interaction_id");

-- CreateIndex
CREATE INDEX "support_tickets_merged_into_id_idx" ON "support_tickets"("merged_into_id");

-- AddForeignKey
ALTER TABLE "support_tickets" ADD CONSTRAINT "support_tickets_merged_into_id_fkey" FOREIGN KEY ("merged_into_id") REFERENCES "support_tickets"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ticket_entries" ADD CONSTRAINT "ticket_entries_ticket_id_fkey" FOREIGN KEY ("ticket_id") REFERENCES "support_tickets"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ticket_entries" ADD CONSTRAINT "ticket_entries_author_id_fkey" FOREIGN KEY ("author_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ticket_entry_revisions" ADD CONSTRAINT "ticket_entry_revisions_entry_id_fkey" FOREIGN KEY ("entry_id") REFERENCES "ticket_entries"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ticket_entry_revisions" ADD CONSTRAINT "ticket_entry_revisions_editor_id_fkey" FOREIGN KEY ("editor_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "canned_replies" ADD CONSTRAINT "canned_replies_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "follow_ups" ADD CONSTRAINT "follow_ups_ticket_id_fkey" FOREIGN KEY ("ticket_id") REFERENCES "support_tickets"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "follow_ups" ADD CONSTRAINT "follow_ups_interaction_id_fkey" FOREIGN KEY ("interaction_id") REFERENCES "interactions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "follow_ups" ADD CONSTRAINT "follow_ups_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;


