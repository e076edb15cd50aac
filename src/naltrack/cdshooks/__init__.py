"""CDS Hooks 2.0 services (issue 13): what another system's clinician is told when they open a
patient of the program or order a medicine for them. The advice is the core's
(clinical/cds.py); every card that leaves goes through the consent filter and is accounted."""
