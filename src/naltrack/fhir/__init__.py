"""FHIR R4 at /fhir (issue 13): naltrack's records as FHIR resources, for the EHRs around it.

Built so far: the Patient resource (read, search with US Core's required parameters, `_count`
paging), the CapabilityStatement at /fhir/metadata and errors as OperationOutcome, for staff
bearer tokens (the app's own API tokens: an internal use by the program's staff, audited as a
chart read is). Resources are fhir.resources models (R4B, whose Patient is R4's), never hand-built
dicts. Still to come (issue 13): the other resources, SMART Backend Services for outside systems
(each answer then a disclosure through disclosure.services.disclose), Bulk $export and import,
and the CDS Hooks service.
"""
