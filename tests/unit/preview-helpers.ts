import { previewStack } from "../../cli/src/preview/index";
import { PreviewReport } from "../../cli/src/preview/report";

const cache = new Map<string, Promise<PreviewReport>>();

/** One offline preview per stack per test process: the program run is the slow part. */
export function previewOnce(stack: string): Promise<PreviewReport> {
  let report = cache.get(stack);
  if (!report) {
    report = previewStack(stack);
    cache.set(stack, report);
  }
  return report;
}
