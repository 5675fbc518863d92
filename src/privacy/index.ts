export {
  medicalAccess,
  mayRequestReveal,
  mayRecordConsultationMedical,
  escalationAccessEnds,
  careTeam,
  ESCALATION_ACCESS_DAYS_DEFAULT,
  type AccessBasis,
  type AccessRules,
  type MedicalAccess,
} from './access.js';
export {
  presentCustomerMedical,
  presentConsultationMedical,
  customerMedicalRecordedJson,
  type RecordedFlags,
  type PresentedMedical,
  type ConsultationRef,
  type ViewContext,
} from './presenter.js';
export {
  revealMedical,
  saveConsultationMedical,
  emptyMedical,
  REVEAL_REASON_MIN,
  type ConsultationMedicalInput,
  type MedicalConflict,
} from './records.js';
export {
  CUSTOMER_MEDICAL_FIELDS,
  CONSULTATION_MEDICAL_FIELDS,
  FIELD_GROUP,
  AUDIT_ACTIONS,
} from './fields.js';
export { noStore, viewContext, ACCESS_RULES } from './http.js';
export {
  revealReviewQueue,
  reviewReveal,
  REVIEW_OVERDUE_DAYS,
  FLAG_COMMENT_MIN,
  type ReviewOutcome,
  type RevealForReview,
} from './reviews.js';
