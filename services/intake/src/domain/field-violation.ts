/** One invalid field of a request, named by its proto path (e.g. `spec.gpu_count`). */
export interface FieldViolation {
  readonly field: string;
  readonly description: string;
}
