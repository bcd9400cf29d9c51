// Writes generated/<name>.ts for each dashboard JSON given: the whole
// dashboard typed as @grafana/schema's Dashboard, and each panel's options
// and custom field config typed as its panel plugin's own schema, so tsc
// checks what the Dashboard type leaves as Record<string, unknown>.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';

const schema = '@grafana/schema/dist/esm/raw/composable';
const plugins = {
  // type: [module, whether it declares a custom FieldConfig]
  timeseries: [`${schema}/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen`, true],
  stat: [`${schema}/stat/panelcfg/x/StatPanelCfg_types.gen`, false],
  table: [`${schema}/table/panelcfg/x/TablePanelCfg_types.gen`, true],
  'state-timeline': [`${schema}/statetimeline/panelcfg/x/StateTimelinePanelCfg_types.gen`, true],
};

mkdirSync(new URL('./generated/', import.meta.url), { recursive: true });
for (const file of process.argv.slice(2)) {
  const dashboard = JSON.parse(readFileSync(file, 'utf8'));
  const alias = (type) => type.replace(/[^a-z]/g, '_');
  const lines = [
    "import type { Dashboard } from '@grafana/schema';",
    "import type { Json, JsonPartial } from '../json';",
    ...Object.entries(plugins).map(
      ([type, [path]]) => `import type * as ${alias(type)} from '${path}';`,
    ),
    `export const dashboard: Json<Dashboard> = ${JSON.stringify(dashboard, null, 2)};`,
  ];
  for (const panel of dashboard.panels ?? []) {
    if (panel.type === 'row') continue;
    if (!(panel.type in plugins)) {
      throw new Error(`${file}: panel ${panel.id} has type ${panel.type} with no schema here`);
    }
    const ns = alias(panel.type);
    const custom = panel.fieldConfig?.defaults?.custom ?? {};
    lines.push(
      `export const options_${panel.id}: JsonPartial<${ns}.Options> = ${JSON.stringify(panel.options ?? {})};`,
      plugins[panel.type][1]
        ? `export const custom_${panel.id}: JsonPartial<${ns}.FieldConfig> = ${JSON.stringify(custom)};`
        : `export const custom_${panel.id}: Record<string, never> = ${JSON.stringify(custom)};`,
    );
  }
  const out = new URL(`./generated/${basename(file, '.json')}.ts`, import.meta.url);
  writeFileSync(out, lines.join('\n') + '\n');
}
