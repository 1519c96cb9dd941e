package workflows

// errMassChange is the application error of a run the mass-change guard
// stopped (steps.GuardError): not retryable, nothing of the object was
// written; run again with --allow-mass-change or --max-change to let it
// through.
const errMassChange = "MassChange"
