import { describe, expect, it } from '@jest/globals';
import { dependencyHealth, type ComponentStatus } from '../src/dependency-health.js';

describe('dependencyHealth', () => {
  it('is the worst status of its components, tells listeners of changes only, and forgets stopped ones', () => {
    const heard: [string, ComponentStatus, ComponentStatus][] = [];
    const unsubscribe = dependencyHealth.subscribe((report, overall) => heard.push([report.component, report.status, overall]));
    try {
      dependencyHealth.report('consumer a', 'ok');
      dependencyHealth.report('relay b', 'ok');
      expect(dependencyHealth.overall()).toBe('ok');
      dependencyHealth.report('relay b', 'recovering', 'connect ECONNREFUSED');
      dependencyHealth.report('relay b', 'recovering', 'connect ECONNREFUSED');
      expect(dependencyHealth.overall()).toBe('recovering');
      expect(dependencyHealth.unhealthy()).toEqual([{ component: 'relay b', status: 'recovering', reason: 'connect ECONNREFUSED' }]);
      dependencyHealth.report('consumer a', 'failed', 'gave up');
      expect(dependencyHealth.overall()).toBe('failed');
      dependencyHealth.forget('consumer a');
      dependencyHealth.report('relay b', 'ok');
      expect(dependencyHealth.overall()).toBe('ok');
      expect(heard).toEqual([
        ['consumer a', 'ok', 'ok'],
        ['relay b', 'ok', 'ok'],
        ['relay b', 'recovering', 'recovering'],
        ['consumer a', 'failed', 'failed'],
        ['consumer a', 'ok', 'recovering'],
        ['relay b', 'ok', 'ok'],
      ]);
    } finally {
      unsubscribe();
      dependencyHealth.forget('relay b');
    }
  });
});
