"""Engine: Ibis expressions over patient-level records; all row-level work happens here."""
