export * from './junit';
export * from './traceback';
export * from './locate';
export * from './coverage';
export * from './annotations';
export * from './summary';
export * from './check-run';
export * from './xml';
