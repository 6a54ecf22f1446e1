// Field checks of RegisterProviderRequest; every violation is reported at once, by proto field path.
import { isDigest, MAX_DIGESTS_PER_MESSAGE, type api } from '@switchyard/contracts';
import type { FieldViolation } from '@switchyard/service-host';
import { InvalidRequest } from '../rejections.js';

export function validateRegistration(request: api.RegisterProviderRequest): void {
  const violations: FieldViolation[] = [];
  const need = (ok: boolean, field: string, description: string): void => {
    if (!ok) violations.push({ field, description });
  };
  need(request.operatorId !== '', 'operator_id', 'required');
  need(request.region !== '', 'region', 'required');
  need(request.endpoint !== '', 'endpoint', 'required');
  if (request.endpoint !== '') need(URL.canParse(request.endpoint), 'endpoint', 'must be an absolute URL');
  need((request.gpus ?? []).length > 0, 'gpus', 'at least one GPU class is required');
  const seen = new Set<string>();
  (request.gpus ?? []).forEach((gpu, i) => {
    need(gpu.gpuClass !== '', `gpus[${i}].gpu_class`, 'required');
    need(!seen.has(gpu.gpuClass), `gpus[${i}].gpu_class`, `${gpu.gpuClass} is listed twice`);
    seen.add(gpu.gpuClass);
    need(gpu.count > 0, `gpus[${i}].count`, 'must be at least 1');
    need(gpu.vramGib > 0, `gpus[${i}].vram_gib`, 'must be at least 1');
  });
  const price = String(request.pricePerGpuHourBaseUnits ?? '0');
  need(/^\d+$/.test(price), 'price_per_gpu_hour_base_units', 'must not be negative');
  const transfer = String(request.transferPricePerGbBaseUnits ?? '0');
  need(/^\d+$/.test(transfer), 'transfer_price_per_gb_base_units', 'must not be negative');
  const held = request.heldDigests ?? [];
  need(held.length <= MAX_DIGESTS_PER_MESSAGE, 'held_digests', `at most ${MAX_DIGESTS_PER_MESSAGE} digests`);
  held
    .slice(0, MAX_DIGESTS_PER_MESSAGE)
    .forEach((digest, i) => need(isDigest(digest), `held_digests[${i}]`, 'must be "sha256:" and 64 lowercase hex digits'));
  if (violations.length > 0) throw new InvalidRequest(violations);
}
