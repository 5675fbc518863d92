-- CreateIndex
CREATE INDEX "escalations_status_resolved_at_idx" ON "escalations"("status", "resolved_at");

-- CreateIndex
CREATE INDEX "record_changes_record_type_field_to_value_created_at_idx" ON "record_changes"("record_type", "field", "to_value", "created_at");

-- CreateIndex
CREATE INDEX "support_tickets_status_resolved_at_idx" ON "support_tickets"("status", "resolved_at");

-- CreateIndex
CREATE INDEX "support_tickets_created_at_status_category_priority_idx" ON "support_tickets"("created_at", "status", "category", "priority");
