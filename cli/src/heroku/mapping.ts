import { mapAddOns, mapScripts } from "./map-addons";
import { mapFormation, mapProcesses } from "./map-processes";
import { mapVars } from "./map-vars";
import { HerokuInputs, ImportPlan } from "./plan";

export * from "./plan";

/**
 * Maps a Heroku app (Procfile, app.json, `heroku config --json`) onto berth's stack config:
 * plain settings, secrets to set, and what cannot be mapped with what to do instead. Pure:
 * `currentHostsCount` is the stack's host count, used when app.json has no web formation.
 */
export function mapHerokuApp(inputs: HerokuInputs, currentHostsCount = 1): ImportPlan {
  const plan: ImportPlan = {
    settings: { env: {}, database: false },
    secrets: [],
    decisions: [],
    cannotMap: [],
    notes: [],
  };
  mapProcesses(inputs, plan);
  mapFormation(inputs, plan, currentHostsCount);
  const covered = mapAddOns(inputs, plan);
  mapVars(inputs, plan, covered);
  mapScripts(inputs, plan);
  return plan;
}
