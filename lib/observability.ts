import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * Powertools instances, one set per service. In Lambda they emit structured JSON logs,
 * EMF metrics and X-Ray segments; locally the runtime quiets them through the standard
 * POWERTOOLS_* environment variables.
 */
export interface Observability {
  logger: Logger;
  metrics: Metrics;
  tracer: Tracer;
}

const cache = new Map<string, Observability>();

export function observability(serviceName: string): Observability {
  let o = cache.get(serviceName);
  if (!o) {
    o = {
      logger: new Logger({ serviceName }),
      metrics: new Metrics({ serviceName, namespace: 'Azura' }),
      tracer: new Tracer({ serviceName }),
    };
    cache.set(serviceName, o);
  }
  return o;
}
