import type { ModuleFactory } from '../../src/core/module.js';
import type { PipelineService } from '../../src/domain/contracts.js';
import { servicesOf } from '../../src/domain/services.js';

/**
 * For `/config render` only: a `pipelines` service that knows one definition. Render reads
 * nothing but `definition()` and `pipelineNames()` of the contract; the end-to-end test of a
 * placeholder in a running stage uses the real pipelines module (pipeline-stage.test.ts).
 */
export const CHECKOUT_DEPLOY = {
  name: 'checkout-deploy',
  service: 'checkout',
  environments: ['staging', 'production'],
  stages: [
    {
      id: 'build',
      kind: 'shell',
      needs: [],
      with: { command: 'make image', env: { REGISTRY_TOKEN: '${{ inject.registry_token }}', REF: '${{ params.ref }}' } },
    },
    {
      id: 'deploy',
      kind: 'shell',
      needs: ['build'],
      with: {
        command: './deploy.sh',
        env: {
          VPC: '${{ inject.vpc_id }}',
          SUBNETS: '${{ inject.subnet_ids }}',
          REPLICAS: '${{ inject.replicas }}',
          DB_URL: 'postgres://app:${{ inject.db_password }}@${{ inject.db_host }}/checkout',
          FLAGS: '${{ inject.no_such_key }}',
        },
      },
    },
    { id: 'notify', kind: 'http', needs: ['deploy'], with: {} },
  ],
};

export const pipelinesStub: ModuleFactory = (ctx) => {
  const svc: Pick<PipelineService, 'definition' | 'pipelineNames'> = {
    pipelineNames: () => [CHECKOUT_DEPLOY.name],
    definition: (name) => (name === CHECKOUT_DEPLOY.name ? CHECKOUT_DEPLOY : null),
  };
  servicesOf(ctx).provide('pipelines', svc as PipelineService);
  return { name: 'pipelines-stub' };
};
