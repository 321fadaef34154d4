/**
 * The deploy entry of every Cloud Run function (package.json `main` points at its build): importing a
 * function's module registers its entry point with the Functions Framework. Deploy each function with its
 * own `--entry-point`.
 *   decide — functions/decider (HTTP, Cloud Scheduler)
 *   apply  — functions/applier (CloudEvent, the decision topic)
 */
import './decider/index.js';
import './applier/index.js';
