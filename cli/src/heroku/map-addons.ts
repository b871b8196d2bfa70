import { POSTGRES_ADDON, addOnAdvice } from "./addons";
import { HerokuInputs, ImportPlan } from "./plan";

/** Add-ons from app.json; returns the config vars their items already account for. */
export function mapAddOns({ appJson, config }: HerokuInputs, plan: ImportPlan): Set<string> {
  const covered = new Set<string>();
  let postgres = 0;
  for (const addOn of appJson?.addons ?? []) {
    const label = `add-on ${addOn.service}${addOn.plan ? `:${addOn.plan}` : ""}`;
    if (addOn.service === POSTGRES_ADDON) {
      postgres += 1;
      if (postgres === 1) {
        plan.settings.database = true;
        plan.notes.push(
          `${label}: berth:database {} (an RDS PostgreSQL database; berth sets DATABASE_URL itself)`,
        );
        continue;
      }
      plan.cannotMap.push({
        what: `${label}${addOn.as ? ` as ${addOn.as}` : ""}`,
        why: "berth makes one database per stack",
        instead:
          "merge the data into the one database, or run the second one yourself (RDS) and set its URL as a secret",
      });
      continue;
    }
    const advice = addOnAdvice(addOn.service);
    const attachment = addOn.as ? new RegExp(`^${addOn.as}_`) : undefined;
    const vars = [...(config?.keys() ?? [])].filter(
      (name) => advice.vars.test(name) || attachment?.test(name),
    );
    if (advice.herokuOwned) vars.forEach((name) => covered.add(name));
    const varsText = vars.length
      ? `; its config vars (${vars.join(", ")}) ${advice.herokuOwned ? "are not copied: they point into Heroku" : "are copied as they are"}`
      : "";
    plan.cannotMap.push({
      what: `${label} (${advice.kind})`,
      why: `berth does not create this${varsText}`,
      instead: advice.instead,
    });
  }
  return covered;
}

/** app.json's scripts and buildpacks: Heroku-only, listed with what to do instead. */
export function mapScripts({ appJson }: HerokuInputs, plan: ImportPlan): void {
  for (const [name, command] of appJson?.scripts ?? []) {
    plan.cannotMap.push({
      what: `app.json scripts.${name} (${command})`,
      why:
        name === "postdeploy"
          ? "Heroku runs it once, after it creates an app (review apps, the Heroku Button); berth has no such hook"
          : "a Heroku-only hook (review apps or Heroku CI)",
      instead:
        name === "postdeploy"
          ? `run it once by hand after the first pulumi up: npm run berth -- run -s STACK -- ${command}`
          : "run it from your CI instead",
    });
  }
  if ((appJson?.buildpacks.length ?? 0) > 0)
    plan.cannotMap.push({
      what: `app.json buildpacks (${appJson?.buildpacks.join(", ")})`,
      why: "berth builds the image from a Dockerfile",
      instead:
        "write a Dockerfile that installs what the buildpacks did (app-image/Dockerfile shows the pattern: a build stage, then a small runtime stage)",
    });
}
