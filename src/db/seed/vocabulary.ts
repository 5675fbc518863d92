export const FIRST_NAMES = ['Adaeze', 'Chinedu', 'Ngozi', 'Tunde', 'Amaka', 'Emeka', 'Funmi', 'Ifeanyi', 'Kemi', 'Segun', 'Bola', 'Uche', 'Zainab', 'Musa', 'Aisha', 'Ibrahim', 'Halima', 'Yusuf', 'Grace', 'Daniel', 'Esther', 'Samuel', 'Blessing', 'David', 'Joy', 'Peter', 'Mary', 'John', 'Fatima', 'Ahmed', 'Chioma', 'Obinna', 'Yetunde', 'Kunle', 'Nneka', 'Femi', 'Sade', 'Tobi', 'Ada', 'Kelechi'];
export const LAST_NAMES = ['Okafor', 'Adeyemi', 'Balogun', 'Eze', 'Nwosu', 'Ogunleye', 'Bello', 'Abubakar', 'Okonkwo', 'Adebayo', 'Lawal', 'Ibekwe', 'Mohammed', 'Chukwu', 'Olawale', 'Afolabi', 'Danjuma', 'Obi', 'Uzor', 'Akinola', 'Garba', 'Onyeka', 'Salami', 'Ogbonna', 'Ajayi', 'Yakubu', 'Nnamdi', 'Oladipo', 'Ekwueme', 'Babatunde'];
export const SPECIALIZATIONS = ['General practice', 'Paediatrics', 'Dermatology', 'Cardiology', 'Obstetrics & gynaecology', 'Psychiatry', 'Internal medicine'];
export const BLOOD_GROUPS = ['A+', 'A-', 'B+', 'B-', 'AB+', 'AB-', 'O+', 'O-'];
export const GENOTYPES = ['AA', 'AS', 'SS', 'AC'];
export const ALLERGIES = ['None known', 'Penicillin', 'Peanuts', 'Sulfa drugs', 'Latex', 'Shellfish'];
export const CONDITIONS = ['None', 'Hypertension', 'Type 2 diabetes', 'Asthma', 'Sickle cell disease', 'Migraine'];
export const MEDICATIONS = ['None', 'Amlodipine 5 mg daily', 'Metformin 500 mg twice daily', 'Salbutamol inhaler as needed', 'Folic acid 5 mg daily'];
export const COMPLAINTS = ['Persistent headache for three days', 'Fever and chills since yesterday', 'Skin rash on both forearms', 'Cough with mild chest pain', 'Lower back pain after lifting', 'Difficulty sleeping for two weeks'];
export const DIAGNOSES = ['Tension-type headache', 'Uncomplicated malaria', 'Contact dermatitis', 'Acute bronchitis', 'Mechanical back strain', 'Insomnia, short-term'];
export const PLANS = ['Rest, hydration, review in one week', 'Antimalarial course, repeat test if fever persists', 'Topical steroid twice daily for seven days', 'Supportive care and steam inhalation', 'Physiotherapy exercises and analgesia', 'Sleep hygiene plan and follow-up call'];
export const TICKET_SUBJECTS: Record<string, string[]> = {
  billing: ['Charged twice for one consultation', 'Refund not received', 'Card declined at checkout', 'Invoice shows wrong amount'],
  appointment: ['Doctor did not join the call', 'Need to reschedule my consultation', 'Appointment time shows wrong timezone', 'Cannot find my booking'],
  technical: ['Video call keeps dropping', 'Cannot log in to the app', 'Password reset email never arrives', 'Chat messages not loading'],
  medical: ['Question about prescribed dosage', 'Side effects after new medication', 'Need a copy of my treatment plan', 'Follow-up instructions unclear'],
};
export const ESCALATION_REASONS = {
  admin: ['Customer disputes a double charge and asks for a refund over the agent limit.', 'Account locked after repeated failed payments; needs admin unlock.', 'Policy question about refunds for missed consultations.'],
  doctor: ['Patient asks whether the prescribed dose can be doubled; needs a clinician.', 'Patient reports new symptoms after the consultation and wants advice.', 'Concern about consultation quality raised by the patient.'],
} as const;
export const OUTCOMES = ['Refund approved and processed.', 'Called the patient and clarified the treatment plan.', 'Account unlocked; patient informed.', 'Booked a follow-up consultation.', 'No action needed after review; patient informed.'];
