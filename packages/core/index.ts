export * from './errors';
export * from './inputs';
export * from './log';
export * from './run';
export * from './summary';
export * from './exec';
export * from './github';
export * from './workflow-run';
