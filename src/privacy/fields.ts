/** The medical field groups and their labels. Values live only in these two tables. */
export const CUSTOMER_MEDICAL_FIELDS = [
  { key: 'bloodGroup', column: 'blood_group', label: 'Blood group' },
  { key: 'genotype', column: 'genotype', label: 'Genotype' },
  { key: 'allergies', column: 'allergies', label: 'Allergies' },
  { key: 'chronicConditions', column: 'chronic_conditions', label: 'Chronic conditions' },
  { key: 'medicalHistory', column: 'medical_history', label: 'Medical history' },
  { key: 'currentMedications', column: 'current_medications', label: 'Current medications' },
] as const;

export const CONSULTATION_MEDICAL_FIELDS = [
  { key: 'presentingComplaint', column: 'presenting_complaint', label: 'Presenting complaint' },
  { key: 'medicalHistory', column: 'medical_history', label: 'Medical history' },
  { key: 'diagnosis', column: 'diagnosis', label: 'Diagnosis' },
  { key: 'treatmentPlan', column: 'treatment_plan', label: 'Treatment plan' },
  { key: 'prescribedMedication', column: 'prescribed_medication', label: 'Prescribed medication' },
  {
    key: 'followUpInstructions',
    column: 'follow_up_instructions',
    label: 'Follow-up instructions',
  },
] as const;

export type CustomerMedicalKey = (typeof CUSTOMER_MEDICAL_FIELDS)[number]['key'];
export type ConsultationMedicalKey = (typeof CONSULTATION_MEDICAL_FIELDS)[number]['key'];

export const FIELD_GROUP = {
  customer: 'customer_medical',
  consultation: 'consultation_medical',
} as const;

/** Audit actions written by the privacy layer. */
export const AUDIT_ACTIONS = {
  view: 'medical_view',
  reveal: 'medical_reveal',
  update: 'medical_update',
} as const;
