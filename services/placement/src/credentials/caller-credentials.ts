// Who is calling: an operator (RegisterProvider, API key) or a provider (every other call, the
// token RegisterProvider returned), both as `authorization: Bearer <secret>` metadata.
import { Inject, Injectable } from '@nestjs/common';
import type { Metadata } from '@grpc/grpc-js';
import { DataSource } from 'typeorm';
import { providerIdOfToken } from '../persistence/provider-rows.js';
import { NotAuthenticated } from '../rejections.js';
import { OPERATOR_CREDENTIALS } from '../tokens.js';
import type { OperatorCredentials } from './operator-credentials.js';
import { bearerSecret, sha256Hex } from './secrets.js';

@Injectable()
export class CallerCredentials {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(OPERATOR_CREDENTIALS) private readonly operators: OperatorCredentials,
  ) {}

  operatorOf(metadata: Metadata): string {
    const key = bearerSecret(metadata.get('authorization'));
    const operatorId = key === undefined ? undefined : this.operators.operatorOf(key);
    if (operatorId === undefined) throw new NotAuthenticated('an operator API key is required: authorization: Bearer <api key>');
    return operatorId;
  }

  async providerOf(metadata: Metadata): Promise<string> {
    const token = bearerSecret(metadata.get('authorization'));
    const provider = token === undefined ? undefined : await providerIdOfToken(this.dataSource.manager, sha256Hex(token));
    if (provider === undefined) throw new NotAuthenticated('a provider token is required: authorization: Bearer <token from RegisterProvider>');
    return provider.providerId;
  }
}
