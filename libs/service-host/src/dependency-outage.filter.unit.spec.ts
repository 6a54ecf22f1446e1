import { describe, expect, it } from '@jest/globals';
import { Metadata, status } from '@grpc/grpc-js';
import { RpcException } from '@nestjs/microservices';
import { DEPENDENCY_UNAVAILABLE, dependencyUnavailable } from './dependency-outage.filter.js';
import { decodeStatusDetails } from './grpc-errors.js';

/** Errors shaped as pg, node, TypeORM and KafkaJS raise them during an outage. */
function pgError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code, severity: 'FATAL' });
}
function named(name: string, message: string, extra: object = {}): Error {
  return Object.assign(new Error(message), { name }, extra);
}

const outages: [string, Error][] = [
  ['pg admin shutdown 57P01', pgError('57P01', 'terminating connection due to administrator command')],
  ['pg cannot connect now 57P03', pgError('57P03', 'the database system is starting up')],
  ['pg connection exception class 08', pgError('08006', 'connection failure')],
  ['ECONNREFUSED', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
  ['ECONNRESET', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
  [
    'TypeORM QueryFailedError over a terminated connection',
    named('QueryFailedError', 'Connection terminated unexpectedly', { driverError: new Error('Connection terminated unexpectedly') }),
  ],
  ['pg pool connect timeout', new Error('timeout exceeded when trying to connect')],
  ['KafkaJSConnectionError', named('KafkaJSConnectionError', 'Connection error: connect ECONNREFUSED 127.0.0.1:9092')],
  [
    'KafkaJSNumberOfRetriesExceeded',
    named('KafkaJSNumberOfRetriesExceeded', 'Connection timeout', { originalError: named('KafkaJSConnectionError', 'Connection timeout') }),
  ],
  [
    'an outage as the cause of a wrapping error',
    new Error('append failed', { cause: Object.assign(new Error('x'), { code: 'ETIMEDOUT' }) }),
  ],
];

describe('a dependency outage at the gRPC edge', () => {
  it.each(outages)('%s is UNAVAILABLE with RetryInfo and ErrorInfo DEPENDENCY_UNAVAILABLE', (_, error) => {
    const answer = dependencyUnavailable(error)?.getError() as { code: number; message: string; metadata: Metadata } | undefined;
    expect(answer?.code).toBe(status.UNAVAILABLE);
    const details = decodeStatusDetails(answer!)!.details;
    expect(details.map((d) => d.type)).toEqual(['google.rpc.RetryInfo', 'google.rpc.ErrorInfo']);
    expect(details[1]!.value).toMatchObject({ reason: DEPENDENCY_UNAVAILABLE, domain: 'switchyard' });
  });

  it.each([
    ['a bug', new TypeError('cannot read properties of undefined')],
    ['a constraint violation', pgError('23505', 'duplicate key value violates unique constraint')],
    ['a syntax error', pgError('42601', 'syntax error at or near "SELEC"')],
    [
      'a KafkaJS error that is not about the connection',
      named('KafkaJSNonRetriableError', 'Invalid record', { originalError: named('KafkaJSProtocolError', 'CORRUPT_MESSAGE') }),
    ],
  ])('%s is not an outage (left to the default filter)', (_, error) => {
    expect(dependencyUnavailable(error)).toBeUndefined();
  });

  it('an RpcException keeps the code it was given', () => {
    expect(dependencyUnavailable(new RpcException({ code: status.NOT_FOUND, message: 'connection terminated' }))).toBeUndefined();
  });
});
