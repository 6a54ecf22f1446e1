// Nest's default RPC exception filter replaces any error that is not an RpcException with
// "Internal server error". Registered on an event consumer, this filter passes the original
// error on, so retries log it and the dead letter records it.
import { Catch, type RpcExceptionFilter } from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';

@Catch()
export class EventHandlerErrorFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}
