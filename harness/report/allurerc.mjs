// Allure 3 configuration for the HIL report: `allure generate -c harness/report/allurerc.mjs allure-results`.
// Allure 3's default (awesome) report takes categories from its config, not from the results
// directory's categories.json (which only the classic/allure2 plugins read), so both come from
// the same harness/report/categories.json.
import { readFileSync } from 'node:fs';
import { URL } from 'node:url';

const categories = JSON.parse(readFileSync(new URL('./categories.json', import.meta.url), 'utf8'));

export default {
  name: 'QSPI HIL',
  categories,
  plugins: {
    // The tree groups by board first: every result's parentSuite is its board
    // (board-context.ts), so a merged farm report reads board > spec > case.
    awesome: { options: { groupBy: ['parentSuite', 'suite', 'subSuite'] } },
  },
};
