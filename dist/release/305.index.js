export const id = 305;
export const ids = [305];
export const modules = {

/***/ 5305:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   cloudWatchAlarmReader: () => (/* binding */ cloudWatchAlarmReader)
/* harmony export */ });
/* harmony import */ var _aws_sdk_client_cloudwatch__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(4085);
/* harmony import */ var _aws_config__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3744);


/**
 * DescribeAlarms through the SDK. The pinned client (3.1164) speaks JSON 1.0
 * with awsQueryCompatible errors, which moto understands; the Smithy RPC v2
 * CBOR protocol of some releases is not, so do not bump it without checking.
 */
function cloudWatchAlarmReader(region, actionName) {
    const client = new _aws_sdk_client_cloudwatch__WEBPACK_IMPORTED_MODULE_1__/* .CloudWatchClient */ .WBn((0,_aws_config__WEBPACK_IMPORTED_MODULE_0__/* .awsClientOptions */ .BE)(region, actionName));
    return {
        async describeAlarms(names) {
            const found = [];
            // DescribeAlarms takes at most 100 names per call.
            for (let i = 0; i < names.length; i += 100) {
                let nextToken;
                do {
                    const page = await client.send(new _aws_sdk_client_cloudwatch__WEBPACK_IMPORTED_MODULE_1__/* .DescribeAlarmsCommand */ .zWD({ AlarmNames: names.slice(i, i + 100), AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], NextToken: nextToken }));
                    for (const alarm of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
                        found.push({ name: alarm.AlarmName, state: alarm.StateValue ?? 'UNKNOWN', reason: alarm.StateReason });
                    }
                    nextToken = page.NextToken;
                } while (nextToken);
            }
            return found;
        },
    };
}


/***/ })

};
