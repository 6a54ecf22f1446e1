export { parsePrometheusText, scrape, select, type Sample } from './prometheus-text.js';
