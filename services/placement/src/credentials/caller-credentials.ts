// Who is calling: an operator (RegisterProvider: its client certificate under mutual TLS, or its
// API key) or a provider (every other call, the
// token RegisterProvider returned), both as `authorization: Bearer <secret>` metadata. The leader
// knows every token's hash in memory; another instance (serving a stream) looks it up.
import { Inject, Injectable } from '@nestjs/common';
import type { Metadata } from '@grpc/grpc-js';
import { peerIdentity, type CallWithAuthContext } from '@switchyard/service-host';
import { DataSource } from 'typeorm';
import { rows } from '../persistence/sql.js';
import { NotAuthenticated } from '../rejections.js';
import { PlacementScheduler } from '../scheduler/placement-scheduler.js';
import { OPERATOR_CREDENTIALS } from '../tokens.js';
import { operatorFromCertificate } from './certificate-operator.js';
import { bearerSecret, sha256Hex, type CallerDirectory } from '@switchyard/access';

@Injectable()
export class CallerCredentials {
  constructor(
    private readonly dataSource: DataSource,
    private readonly scheduler: PlacementScheduler,
    @Inject(OPERATOR_CREDENTIALS) private readonly operators: CallerDirectory,
  ) {}

  /**
   * The calling operator: from its client certificate when placement runs with mutual TLS (and
   * then the API key, if one is sent too, must be the same operator's), else from its API key.
   */
  operatorOf(metadata: Metadata, call?: CallWithAuthContext): string {
    const key = bearerSecret(metadata.get('authorization'));
    const keyOperator = key === undefined ? undefined : this.operators.operatorOf(key);
    const certified = operatorFromCertificate(peerIdentity(call), (id) => this.operators.knowsOperator(id), keyOperator);
    const operatorId = certified ?? keyOperator;
    if (operatorId === undefined)
      throw new NotAuthenticated('an operator API key or client certificate is required: authorization: Bearer <api key>');
    return operatorId;
  }

  async providerOf(metadata: Metadata): Promise<string> {
    const token = bearerSecret(metadata.get('authorization'));
    const providerId = token === undefined ? undefined : await this.providerOfHash(sha256Hex(token));
    if (providerId === undefined)
      throw new NotAuthenticated('a provider token is required: authorization: Bearer <token from RegisterProvider>');
    return providerId;
  }

  private async providerOfHash(hash: string): Promise<string | undefined> {
    const { engine } = this.scheduler;
    if (engine.isLeader) return engine.providerOfToken(hash);
    const [row] = await rows<{ provider_id: string }>(this.dataSource.manager, 'SELECT provider_id FROM providers WHERE token_hash = $1', [
      hash,
    ]);
    return row?.provider_id;
  }
}
